import { describe, expect, it } from 'vitest';
import { fetchItems, HOST, makeWorld, openCompose, openRegion, regionHandle, registeredWorld, senders } from './fakes';

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

  it('a display region carries the personal security pattern (once, not per item)', async () => {
    const t = await registeredWorld();
    expect(await openRegion(t, await regionHandle(t, [['OC2bad']]))).not.toHaveProperty('securityPattern');
    await t.call(senders.popup(), { type: 'settings/set', patch: { securityPattern: 'seed-7f3a' } });
    const region = await openRegion(t, await regionHandle(t, [['OC2bad'], ['OC2bad2']], { host: HOST }));
    expect(region).toMatchObject({ gate: 'ready', securityPattern: 'seed-7f3a' });
    const r = await fetchItems(t, region.jobId, [0, 1]);
    expect(r.value.items).toEqual([{ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } }, { ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } }]);
  });
});

describe('popup view of the current page', () => {
  it('reads the status of the conversation the content script reported, and toggles encryption', async () => {
    const t = await registeredWorld();
    const s = await t.call(senders.popup(), { type: 'page/status', host: HOST, conversationId: '#chan' });
    expect(s.value).toMatchObject({ siteEnabled: true, encryptionOn: true, recipients: { people: 0, devices: 0 } }); // bob's one device waits for approval
    const off = await t.call(senders.popup(), { type: 'page/setEncryption', host: HOST, conversationId: '#chan', on: false });
    expect(off.value).toMatchObject({ encryptionOn: false });
    expect((await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' })).value.encryptionOn).toBe(false);
  });
});

describe('slow managed storage at browser start', () => {
  it('answers without waiting for it, then applies the policy and tells the pages when it arrives', async () => {
    const { OvercryptService, InMemoryEphemeralStore } = await import('../../../lib/service');
    const { openStorage } = await import('../../../lib/storage');
    const { InMemorySessionKeyStore } = await import('../../../lib/vault');
    const { uniqueDbName, FakeClock, TEST_FLOOR } = await import('../vault/fixtures');
    const { fakeEngines, RecordingNotifier, EXT, EXT_ID } = await import('./fakes');
    let deliver!: (v: unknown) => void;
    const notifier = new RecordingNotifier();
    const pushed = new Promise<void>((resolve) => {
      const original = notifier.broadcast.bind(notifier);
      notifier.broadcast = async (p) => {
        await original(p);
        if (p.push === 'settings/changed') resolve();
      };
    });
    const service = new OvercryptService({
      db: await openStorage({ name: uniqueDbName() }),
      sessionKeys: new InMemorySessionKeyStore(),
      ephemeral: new InMemoryEphemeralStore(),
      clock: new FakeClock(),
      fetch: async () => new Response('{}'),
      engines: fakeEngines({ cards: new Map(), used: new Map() }),
      policy: { read: () => new Promise((r) => (deliver = r)) },
      self: { extensionId: EXT_ID, extensionOrigin: EXT },
      notifier,
      floor: TEST_FLOOR,
      kdf: { iterations: 1000 },
      policyWaitMs: 20,
    });
    const first = await service.handle({ type: 'status/get' }, senders.popup());
    expect(first).toMatchObject({ ok: true, value: { directory: { url: 'http://127.0.0.1:8787' } } });
    deliver({ directoryUrl: 'https://late.example' });
    await pushed;
    const later = await service.handle({ type: 'status/get' }, senders.popup());
    expect(later).toMatchObject({ ok: true, value: { directory: { url: 'https://late.example' } } });
  });
});

describe('whenReady', () => {
  it('engine calls wait for readiness; a failed init fails the call, not the worker', async () => {
    const { whenReady } = await import('../../../lib/service');
    const { fakeEngines } = await import('./fakes');
    let release!: () => void;
    let ready: Promise<void> = new Promise<void>((r) => (release = r));
    const engines = whenReady(fakeEngines({ cards: new Map(), used: new Map() }), () => ready);
    let done = false;
    const call = engines.contacts.list({} as never).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(false);
    release();
    await call;
    expect(done).toBe(true);
    ready = Promise.reject(new Error('wasm failed'));
    ready.catch(() => undefined);
    await expect(engines.contacts.list({} as never)).rejects.toThrow('wasm failed');
  });
});
