import { describe, expect, it } from 'vitest';
import { createSiteRegistry } from '../../../lib/sites';
import { siteSpecsForHost } from '../../../lib/service/site-specs';
import { HOST, makeWorld, registeredWorld, senders } from './fakes';

const spec = (id: string, match: { hosts?: string[]; detect?: string }) =>
  JSON.stringify({
    id,
    name: id,
    match,
    compose: { input: '#box' },
    messages: { item: 'li.msg', text: '.body', sender: { selector: '.author' } },
    namespace: 'host',
    limits: { maxMessageLength: 1000, unit: 'chars' },
  });

const FOR_HOST = spec('corpchat', { hosts: [HOST] });
const WILDCARD = spec('corpwild', { hosts: ['*.example'] });
const OTHER = spec('elsewhere', { hosts: ['intranet.corp.test'] });
const BY_MARKUP = spec('markup', { detect: 'body[data-corp-chat]' });

const pageStatus = (t: Awaited<ReturnType<typeof makeWorld>>) => t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' });

describe('policy site adapters in the page status', () => {
  it('sends the specs that can apply to the page host (listing it, wildcard, markup-only); not the others, not invalid ones', async () => {
    const t = await registeredWorld();
    expect((await pageStatus(t)).value.extraSiteAdapters).toBeUndefined(); // none in policy: field absent
    t.policy.value = { extraSiteAdapters: [FOR_HOST, OTHER, '{"id":"broken"', WILDCARD, BY_MARKUP] };
    await t.service.onPolicyChanged();
    const s = (await pageStatus(t)).value;
    expect(s.extraSiteAdapters).toEqual([FOR_HOST, WILDCARD, BY_MARKUP]);
    // The content script's registry takes them as they are.
    const registry = createSiteRegistry({ extraSpecs: s.extraSiteAdapters });
    expect(registry.problems).toEqual([]);
    expect(registry.adapters.map((a) => a.id)).toEqual(['corpchat', 'corpwild', 'markup', 'thelounge']);
    // page/context answers the same status.
    const ctx = await t.call(senders.cs(), {
      type: 'page/context',
      context: { host: HOST, adapterId: 'generic', namespace: HOST, participants: [] },
    });
    expect(ctx.value.extraSiteAdapters).toEqual([FOR_HOST, WILDCARD, BY_MARKUP]);
  });

  it('is there before registration and while locked (the content script needs its adapter first)', async () => {
    const t = await makeWorld();
    t.policy.value = { extraSiteAdapters: [FOR_HOST] };
    const s = await pageStatus(t);
    expect(s.value).toMatchObject({ registered: false, locked: true, extraSiteAdapters: [FOR_HOST] });
  });

  it('a policy change applies live: removed specs disappear from the next status', async () => {
    const t = await registeredWorld();
    t.policy.value = { extraSiteAdapters: [FOR_HOST] };
    await t.service.onPolicyChanged();
    expect((await pageStatus(t)).value.extraSiteAdapters).toEqual([FOR_HOST]);
    t.policy.value = {};
    await t.service.onPolicyChanged();
    expect((await pageStatus(t)).value.extraSiteAdapters).toBeUndefined();
    expect(t.notifier.broadcasts.filter((p) => p.push === 'settings/changed').length).toBeGreaterThanOrEqual(2);
  });

  it('siteSpecsForHost matches ports and wildcards like the registry does', () => {
    const withPort = spec('p', { hosts: ['chat.corp.test:8443'] });
    expect(siteSpecsForHost([withPort], 'chat.corp.test:8443')).toEqual([withPort]);
    expect(siteSpecsForHost([withPort], 'chat.corp.test')).toEqual([]);
    expect(siteSpecsForHost([WILDCARD], 'a.b.example')).toEqual([WILDCARD]);
    expect(siteSpecsForHost([WILDCARD], 'example')).toEqual([]);
    expect(siteSpecsForHost([FOR_HOST], HOST.toUpperCase())).toEqual([FOR_HOST]);
  });
});
