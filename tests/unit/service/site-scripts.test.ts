import { describe, expect, it } from 'vitest';
import { hostnameOf, siteScriptHostnames, siteScriptMatches, syncSiteScripts } from '../../../lib/service';
import { FakeSiteScripts, HOST, makeWorld, PASSPHRASE, registeredWorld, senders } from './fakes';

const sorted = (s: Set<string>) => [...s].sort();

describe('content script registration for enabled sites', () => {
  it('sites/toggle registers the site and unregisters it when turned off; settings/set with sites too', async () => {
    const t = await registeredWorld(); // enables chat.example
    expect(sorted(t.siteScripts.registered)).toEqual([HOST]);
    await t.call(senders.popup(), { type: 'sites/toggle', host: 'Mail.Corp.Test', enabled: true });
    expect(sorted(t.siteScripts.registered)).toEqual([HOST, 'mail.corp.test']);
    expect(t.siteScripts.injected.at(-1)).toEqual(['mail.corp.test']); // open tabs of it get the script now
    await t.call(senders.popup(), { type: 'sites/toggle', host: HOST, enabled: false });
    expect(sorted(t.siteScripts.registered)).toEqual(['mail.corp.test']);
    await t.call(senders.popup(), { type: 'settings/set', patch: { sites: { 'mail.corp.test': { enabled: false }, 'b.test': { enabled: true } } } });
    expect(sorted(t.siteScripts.registered)).toEqual(['b.test']);
  });

  it('one registration per hostname (ports share it); loopback http is left to the manifest', async () => {
    const t = await registeredWorld();
    for (const host of ['chat.example:8443', '127.0.0.1:9000', 'localhost:3000']) {
      expect((await t.call(senders.popup(), { type: 'sites/toggle', host, enabled: true })).ok).toBe(true);
    }
    expect(sorted(t.siteScripts.registered)).toEqual(['127.0.0.1', HOST, 'localhost']);
    expect(siteScriptMatches(HOST)).toEqual(['*://chat.example/*']);
    expect(siteScriptMatches('127.0.0.1')).toEqual(['https://127.0.0.1/*']); // http://127.0.0.1/* is static
    expect(siteScriptMatches('localhost')).toEqual(['https://localhost/*']);
    // chat.example:8443 off, chat.example still on: the shared registration stays.
    await t.call(senders.popup(), { type: 'sites/toggle', host: 'chat.example:8443', enabled: false });
    expect(t.siteScripts.registered.has(HOST)).toBe(true);
  });

  it('policy-enabled sites are registered, and dropped when the policy drops them', async () => {
    const t = await registeredWorld();
    t.policy.value = { sitesEnabled: [{ host: 'chat.corp.test', locked: true }], forcedModes: { 'forced.corp.test': 'card' } };
    await t.service.onPolicyChanged();
    expect(sorted(t.siteScripts.registered)).toEqual(['chat.corp.test', HOST, 'forced.corp.test']);
    t.policy.value = {};
    await t.service.onPolicyChanged();
    expect(sorted(t.siteScripts.registered)).toEqual([HOST]);
  });

  it('while locked the sealed user sites keep their registrations; policy sites are still added; unlock prunes', async () => {
    const t = await registeredWorld();
    t.policy.value = { sitesEnabled: [{ host: 'old.corp.test' }] };
    await t.service.onPolicyChanged();
    await t.call(senders.popup(), { type: 'vault/lock' });
    t.policy.value = { sitesEnabled: [{ host: 'new.corp.test' }] };
    await t.service.onPolicyChanged();
    expect(sorted(t.siteScripts.registered)).toEqual([HOST, 'new.corp.test', 'old.corp.test']);
    await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    expect(sorted(t.siteScripts.registered)).toEqual([HOST, 'new.corp.test']);
  });

  it('a browser restart (locked) keeps the user sites; a worker start re-adds lost registrations', async () => {
    const t = await registeredWorld();
    const t2 = await t.restart({ newBrowserSession: true });
    await t2.call(senders.cs(), { type: 'page/status', host: HOST });
    await t2.service.syncSiteScripts(); // queued after the start-up sync
    expect(sorted(t2.siteScripts.registered)).toEqual([HOST]);
    t2.siteScripts.registered.clear(); // e.g. the browser dropped them
    const t3 = await t2.restart();
    await t3.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    expect(sorted(t3.siteScripts.registered)).toEqual([HOST]);
  });

  it('logout removes the user sites (their settings are wiped), keeps policy ones', async () => {
    const t = await registeredWorld();
    t.policy.value = { sitesEnabled: [{ host: 'chat.corp.test' }] };
    await t.service.onPolicyChanged();
    await t.call(senders.popup(), { type: 'account/logout', revokeCard: false, confirmWithoutBackup: true });
    expect(sorted(t.siteScripts.registered)).toEqual(['chat.corp.test']);
  });

  it('a hostname the browser refuses does not block the others or the toggle; it is retried later', async () => {
    const t = await makeWorld();
    await t.call(senders.tab(), { type: 'account/register', identity: 'alice@irc', password: 'account-password-1', passphrase: PASSPHRASE });
    t.siteScripts.refuse.add('bad.test');
    await t.call(senders.popup(), { type: 'settings/set', patch: { sites: { 'bad.test': { enabled: true }, 'good.test': { enabled: true } } } });
    expect(sorted(t.siteScripts.registered)).toEqual(['good.test']);
    expect(t.siteScripts.injected.flat()).toEqual(['good.test']);
    t.siteScripts.refuse.clear();
    const r = await t.call(senders.popup(), { type: 'sites/toggle', host: 'other.test', enabled: true });
    expect(r.ok).toBe(true);
    expect(sorted(t.siteScripts.registered)).toEqual(['bad.test', 'good.test', 'other.test']);
  });

  it('page-driven requests never touch the registrations', async () => {
    const t = await registeredWorld();
    const before = t.siteScripts.calls;
    const injections = t.siteScripts.injected.length;
    await t.call(senders.cs(), { type: 'page/status', host: 'evil.test' });
    await t.call(senders.cs(), { type: 'armor/found', host: 'evil.test', items: [{ parts: ['OC1x'], heightPx: 40 }] });
    expect(await t.call(senders.cs(), { type: 'sites/toggle', host: 'evil.test', enabled: true })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(t.siteScripts.calls).toBe(before);
    expect(t.siteScripts.injected.length).toBe(injections);
    expect(t.siteScripts.registered.has('evil.test')).toBe(false);
  });
});

describe('site script planning', () => {
  it('hostnames: enabled only, lowercased, port dropped, unique; junk refused', () => {
    const site = (host: string, enabled = true) => ({ host, enabled, mode: 'card' as const, locked: false });
    expect(siteScriptHostnames([site('B.test:8080'), site('b.test'), site('a.test'), site('off.test', false), site('x/*'), site('[::1]:80')])).toEqual(['a.test', 'b.test']);
    expect(hostnameOf('10.0.0.7:8080')).toBe('10.0.0.7');
    expect(hostnameOf('*.corp.test')).toBeUndefined();
    expect(hostnameOf('a..b')).toBeUndefined();
  });

  it('without prune only adds', async () => {
    const reg = new FakeSiteScripts();
    reg.registered.add('keep.test');
    expect(await syncSiteScripts(reg, ['new.test'], false)).toEqual({ added: ['new.test'], removed: [], failed: [] });
    expect(await syncSiteScripts(reg, ['new.test'], true)).toEqual({ added: [], removed: ['keep.test'], failed: [] });
    expect(sorted(reg.registered)).toEqual(['new.test']);
  });
});
