import { describe, expect, it } from 'vitest';
import { createApiClient, API_TAG } from '../../../lib/api';
import { ErrorCode, isError } from '../../../lib/errors';
import { contains, rawDump } from '../storage/raw-dump';
import { DEVICE_PRIVATE_KEY, HOST, openCompose, registeredWorld, reportContext, senders, type TestWorld } from './fakes';

const PLAINTEXT = 'hello bob 🔐 <b>not bold</b>';

async function approveAll(t: TestWorld, jobId: string, tab = 1, frame = 5) {
  const r = await t.call(senders.compose(tab, frame), { type: 'compose/approve', jobId, cardIds: ['b0'.repeat(32)] });
  expect(r.ok).toBe(true);
}

async function send(t: TestWorld, text = PLAINTEXT) {
  const { jobId } = await openCompose(t);
  await approveAll(t, jobId);
  const r = await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: text });
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  const out = await t.call(senders.cs(), { type: 'compose/output', jobId });
  return { jobId, parts: out.value.outputs[0].parts as string[], messageId: r.value.messageId as string };
}

describe('compose and display flow', () => {
  it('a new recipient device needs a click before anything is sent', async () => {
    const t = await registeredWorld();
    const { jobId, job } = await openCompose(t);
    expect(job.recipients).toEqual([expect.objectContaining({ identity: 'bob@irc', devices: [expect.objectContaining({ approved: false })] })]);
    expect(job.maxPartLength).toBe(200);
    const r = await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: 'hi' });
    expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.UntrustedIdentity } });
    expect(t.world.used.size).toBe(0);
    const status = await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' });
    expect(status.value.warnings).toEqual([{ kind: 'newDevice', identity: 'bob@irc', cardId: 'b0'.repeat(32) }]);
    await approveAll(t, jobId);
    expect((await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: 'hi' })).ok).toBe(true);
  });

  it('ciphertext reaches the content script (push and pull); the content script never sees plaintext', async () => {
    const t = await registeredWorld();
    const csReplies: unknown[] = [];
    const { jobId } = await openCompose(t);
    await approveAll(t, jobId);
    const long = PLAINTEXT + ' '.padEnd(600, 'x');
    const submit = await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: long });
    expect(submit.value.parts).toBeGreaterThan(1);
    const pushed = t.notifier.toFrames.find((p) => p.push.push === 'compose/ciphertext');
    expect(pushed).toMatchObject({ tabId: 1, frameId: 0 });
    const out = await t.call(senders.cs(), { type: 'compose/output', jobId });
    csReplies.push(out, pushed);
    expect(out.value.outputs[0].parts.length).toBe(submit.value.parts);
    expect(out.value.outputs[0].parts.every((p: string) => p.length <= 200)).toBe(true);
    // Display: the content script reports armor, gets a handle; only our display frame gets plaintext.
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, conversationId: '#chan', pageAuthor: 'alice', parts: out.value.outputs[0].parts });
    csReplies.push(found, await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' }));
    const shown = await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle });
    expect(shown.value).toMatchObject({ ok: true, plaintext: long, badge: { kind: 'verified' }, fromCache: true });
    const everythingTheContentScriptGot = JSON.stringify(csReplies) + JSON.stringify(t.notifier.toFrames) + JSON.stringify(t.notifier.broadcasts);
    expect(everythingTheContentScriptGot).not.toContain('hello bob');
    expect(everythingTheContentScriptGot).not.toContain('not bold');
  });

  it('a display handle is single-use and only works in the tab that opened it', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, conversationId: '#chan', parts });
    expect(await t.call(senders.display(2), { type: 'display/fetch', handle: found.value.handle })).toMatchObject({ error: { code: 'Forbidden' } });
    expect((await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).value.ok).toBe(true);
    expect(await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('handles expire', async () => {
    const t = await registeredWorld();
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: ['OC1x'] });
    t.clock.advance(5 * 60_000 + 1);
    await t.call(senders.popup(), { type: 'status/get' }); // keep the vault unlocked
    expect(await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('a compose job belongs to the frame that claimed it', async () => {
    const t = await registeredWorld();
    const { jobId } = await openCompose(t);
    expect(await t.call(senders.compose(1, 7), { type: 'compose/submit', jobId, plaintext: 'x' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.cs(2), { type: 'compose/output', jobId })).toMatchObject({ error: { code: 'Forbidden' } });
    const opened = await t.call(senders.cs(), { type: 'compose/open', host: HOST, conversationId: '#chan' });
    expect(await t.call(senders.compose(2), { type: 'compose/claim', handle: opened.value.handle })).toMatchObject({ error: { code: 'Forbidden' } });
  });

  it('mismatch badges: another author than the page shows, another conversation, a repeated message id', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const show = async (extra: { conversationId?: string; pageAuthor?: string }, p = parts) => {
      const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: p, ...extra });
      return (await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).value;
    };
    expect((await show({ conversationId: '#chan', pageAuthor: 'carol' })).badge).toEqual({ kind: 'mismatch', reason: 'author' });
    expect((await show({ conversationId: '#other', pageAuthor: 'alice' })).badge).toEqual({ kind: 'mismatch', reason: 'conversation' });
    expect((await show({ conversationId: '#chan', pageAuthor: 'alice@irc' })).badge).toEqual({ kind: 'verified' });
    // Same message id, different ciphertext (re-encoded copy): mismatch.
    const fakeCopy = ['OC1' + Buffer.from(Buffer.from(parts.join('').slice(3), 'base64').toString('utf8').replace('"body":"', '"body":"AA')).toString('base64')];
    expect((await show({ conversationId: '#chan' }, fakeCopy)).badge).toEqual({ kind: 'mismatch', reason: 'repeatedMessageId' });
  });

  it('tampered armor shows could-not-decrypt with the reason, and is not cached', async () => {
    const t = await registeredWorld();
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: ['OC2garbage'] });
    const r = await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle });
    expect(r.value).toEqual({ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } });
    expect(await t.service.cache.count()).toBe(0);
  });

  it('received messages are decrypted once and then served from the cache', async () => {
    const t = await registeredWorld();
    // Bob's message to alice, made by the fake engine format directly.
    const armor = { messageId: 'bob-1', conversationId: '#chan', sender: 'bob@irc', senderCard: 'b0'.repeat(32), counters: { ['a1'.repeat(32)]: 0 }, body: Buffer.from(new TextEncoder().encode('hi alice').map((x) => x ^ 0x5a)).toString('base64') };
    const parts = ['OC1' + Buffer.from(JSON.stringify(armor)).toString('base64')];
    const fetchOnce = async () => {
      const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, conversationId: '#chan', pageAuthor: 'bob', parts });
      return (await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).value;
    };
    expect(await fetchOnce()).toMatchObject({ ok: true, plaintext: 'hi alice', senderName: 'bob@irc', badge: { kind: 'firstSeen' }, fromCache: false });
    expect(await fetchOnce()).toMatchObject({ ok: true, plaintext: 'hi alice', badge: { kind: 'firstSeen' }, fromCache: true });
  });

  it('on a site that is not enabled, armor decrypts only after a click in our frame', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const found = await t.call(senders.cs(), { type: 'armor/found', host: 'other.example', parts });
    expect((await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle })).value).toEqual({ ok: false, badge: { kind: 'clickToDecrypt' } });
    const revealed = await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle, reveal: true });
    expect(revealed.value.ok).toBe(true);
  });

  it('the typed client rebuilds errors with their codes', async () => {
    const t = await registeredWorld();
    const api = createApiClient(async (env) => {
      expect(env.tag).toBe(API_TAG);
      return t.service.handle(env.request, senders.cs());
    });
    const status = await api.call({ type: 'page/status', host: HOST, conversationId: '#chan' });
    expect(status.encryptionOn).toBe(true);
    await expect(api.call({ type: 'settings/get' })).rejects.toSatisfy((e: unknown) => isError(e, ErrorCode.Forbidden));
    const dead = createApiClient(async () => {
      throw new Error('Could not establish connection');
    });
    await expect(dead.call({ type: 'status/get' })).rejects.toSatisfy((e: unknown) => isError(e, ErrorCode.Network));
  });

  it('at rest after a conversation: no plaintext, no private key, no account password in the raw database', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts });
    await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle });
    await t.call(senders.popup(), { type: 'settings/set', patch: { securityPattern: 'purple-otter' } });
    t.service.keystore; // keep the database open while dumping; the dump opens its own connection
    const raw = await rawDump(t.dbName);
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const needle of ['hello bob', 'not bold', 'account-password-1', 'local passphrase 1', 'purple-otter', 'alice@irc', '#chan', 'b0'.repeat(32)]) {
      expect(contains(raw, enc(needle)), needle).toBe(false);
    }
    expect(contains(raw, DEVICE_PRIVATE_KEY)).toBe(false);
    expect(contains(raw, enc(Buffer.from(DEVICE_PRIVATE_KEY).toString('base64')))).toBe(false);
    expect(raw.length).toBeGreaterThan(500);
  });
});

describe('page status and settings', () => {
  it('reports site, mode and recipients; policy locks a site on and the popup sees it locked', async () => {
    const t = await registeredWorld();
    const s = await reportContext(t);
    expect(s.value).toMatchObject({ siteEnabled: true, encryptionOn: true, recipients: { people: 1, devices: 1 } });
    t.policy.value = { sitesEnabled: [{ host: 'locked.example', locked: true }], directoryUrl: 'http://policy-dir.test' };
    await t.service.onPolicyChanged();
    const sites = await t.call(senders.popup(), { type: 'sites/list' });
    expect(sites.value).toContainEqual(expect.objectContaining({ host: 'locked.example', enabled: true, locked: true }));
    expect(await t.call(senders.popup(), { type: 'sites/toggle', host: 'locked.example', enabled: false })).toMatchObject({ error: { code: 'Forbidden' } });
    const settings = await t.call(senders.popup(), { type: 'settings/get' });
    expect(settings.value.locked).toEqual(expect.arrayContaining(['directoryUrl', 'sites.locked.example']));
    expect(settings.value.effective.directoryUrl).toBe('http://policy-dir.test');
    expect(await t.call(senders.popup(), { type: 'settings/set', patch: { directoryUrl: 'http://mine.test' } })).toMatchObject({ error: { code: 'Forbidden' } });
    await t.service.directory.health();
    expect(t.fetchLog.at(-1)).toBe('http://policy-dir.test/healthz');
    expect(t.notifier.broadcasts.some((p) => p.push === 'settings/changed')).toBe(true);
  });

  it('backup is refused when policy denies it', async () => {
    const t = await registeredWorld();
    t.policy.value = { allowKeyBackup: false };
    await t.service.onPolicyChanged();
    expect(await t.call(senders.popup(), { type: 'backup/create', backupPassword: 'backup pw' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect((await t.call(senders.popup(), { type: 'backup/status' })).value).toMatchObject({ allowed: false });
  });

  it('a forced mode turns encryption on and it cannot be turned off', async () => {
    const t = await registeredWorld();
    t.policy.value = { forcedModes: { [HOST]: 'card' } };
    await t.service.onPolicyChanged();
    expect(await t.call(senders.cs(), { type: 'page/setEncryption', host: HOST, conversationId: '#new', on: false })).toMatchObject({ error: { code: 'Forbidden' } });
    const s = await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#new' });
    expect(s.value).toMatchObject({ encryptionOn: true, mode: 'card', modeLocked: true });
  });

  it('refuses to revoke the current device from the devices list', async () => {
    const t = await registeredWorld();
    expect(await t.call(senders.popup(), { type: 'devices/revoke', cardId: 'a1'.repeat(32) })).toMatchObject({ error: { code: 'Conflict' } });
  });
});
