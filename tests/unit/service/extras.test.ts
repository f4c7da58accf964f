import { describe, expect, it } from 'vitest';
import { HOST, makeWorld, openCompose, registeredWorld, senders } from './fakes';

describe('compose/block, directory/check, progress, security pattern', () => {
  it('after the content script blocks a job, every submit of it is refused with ComposeBlocked', async () => {
    const t = await registeredWorld();
    const { jobId } = await openCompose(t);
    await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: ['b0'.repeat(32)] });
    expect(await t.call(senders.cs(2), { type: 'compose/block', jobId, reason: 'siteBoxChanged' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect((await t.call(senders.cs(), { type: 'compose/block', jobId, reason: 'siteBoxChanged' })).ok).toBe(true);
    expect(await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: 'secret' })).toMatchObject({ error: { code: 'ComposeBlocked' } });
    expect(t.world.used.size).toBe(0);
  });

  it('directory/check reports reachability from the worker, before registration', async () => {
    const t = await makeWorld();
    const r = await t.call(senders.tab(), { type: 'directory/check', url: 'http://dir.test:8787' });
    expect(r.value).toMatchObject({ reachable: true });
    expect(t.fetchLog.at(-1)).toBe('http://dir.test:8787/healthz');
    expect(await t.call(senders.cs(), { type: 'directory/check', url: 'http://dir.test' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.tab(), { type: 'directory/check', url: 'file:///etc/passwd' })).toMatchObject({ error: { code: 'Malformed' } });
  });

  it('engines report progress to extension pages only', async () => {
    const t = await registeredWorld();
    expect(t.notifier.pagePushes).toEqual([expect.objectContaining({ push: 'progress', op: 'account/register', step: 'identityKey' })]);
    expect(t.notifier.toFrames.some((p) => (p.push as { push: string }).push === 'progress')).toBe(false);
  });

  it('display results carry the personal security pattern', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { securityPattern: 'seed-7f3a' } });
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: ['OC2bad'] });
    const r = await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle });
    expect(r.value).toMatchObject({ ok: false, securityPattern: 'seed-7f3a' });
  });
});

describe('popup view of the current page', () => {
  it('reads the status of the conversation the content script reported, and toggles encryption', async () => {
    const t = await registeredWorld();
    const s = await t.call(senders.popup(), { type: 'page/status', host: HOST, conversationId: '#chan' });
    expect(s.value).toMatchObject({ siteEnabled: true, encryptionOn: true, recipients: { people: 1, devices: 1 } });
    const off = await t.call(senders.popup(), { type: 'page/setEncryption', host: HOST, conversationId: '#chan', on: false });
    expect(off.value).toMatchObject({ encryptionOn: false });
    expect((await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' })).value.encryptionOn).toBe(false);
  });
});
