import { describe, expect, it } from 'vitest';
import { createApiClient, API_TAG } from '../../../lib/api';
import { ErrorCode, isError } from '../../../lib/errors';
import { contains, rawDump } from '../storage/raw-dump';
import { armorFound, bobsArmor, DEVICE_PRIVATE_KEY, fetchItems, HOST, openCompose, openRegion, regionHandle, registeredWorld, reportContext, senders, showOne, showRegion, type TestWorld } from './fakes';

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
    const found = await armorFound(t, [out.value.outputs[0].parts], { conversationId: '#chan', pageAuthor: 'alice' });
    csReplies.push(found, await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' }));
    const region = await openRegion(t, found.value.handle);
    const shown = await fetchItems(t, region.jobId, [0]);
    expect(shown.value.items).toEqual([expect.objectContaining({ ok: true, plaintext: long, badge: { kind: 'verified' }, fromCache: true })]);
    // The content script may release the job by its handle (after the claim too), never read it.
    csReplies.push(await t.call(senders.cs(), { type: 'job/release', handleOrJobId: found.value.handle }));
    const everythingTheContentScriptGot = JSON.stringify(csReplies) + JSON.stringify(t.notifier.toFrames) + JSON.stringify(t.notifier.broadcasts);
    expect(everythingTheContentScriptGot).not.toContain('hello bob');
    expect(everythingTheContentScriptGot).not.toContain('not bold');
  });

  it('a display handle is single-use, claimed only in the tab that opened it; the job then belongs to that frame', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const handle = await regionHandle(t, [parts], { conversationId: '#chan' });
    const doc = (tab: number, frame: number, documentId: string) => ({ ...senders.display(tab, frame), documentId });
    expect(await t.call(doc(2, 6, 'd2'), { type: 'display/open', handle })).toMatchObject({ error: { code: 'Forbidden' } });
    const region = await openRegion(t, handle, doc(1, 6, 'd1')); // the refusal above did not use the handle up
    expect(region).toMatchObject({ gate: 'ready', heightsPx: [40] });
    expect(await t.call(doc(1, 6, 'd1'), { type: 'display/open', handle })).toMatchObject({ error: { code: 'NotFound' } });
    expect(await t.call(doc(1, 7, 'd3'), { type: 'display/open', handle })).toMatchObject({ error: { code: 'NotFound' } });
    // Only the claiming frame (tab + frame + document) may fetch.
    for (const other of [doc(2, 6, 'd1'), doc(1, 7, 'd1'), doc(1, 6, 'another document')]) {
      expect(await fetchItems(t, region.jobId, [0], other)).toMatchObject({ error: { code: 'Forbidden' } });
    }
    expect(await fetchItems(t, 'no-such-job-xxxxxxxxxx', [0], doc(1, 6, 'd1'))).toMatchObject({ error: { code: 'NotFound' } });
    expect(await fetchItems(t, region.jobId, [1], doc(1, 6, 'd1'))).toMatchObject({ error: { code: 'Malformed' } });
    const twice = await fetchItems(t, region.jobId, [0, 0], doc(1, 6, 'd1'));
    expect(twice.value.items).toHaveLength(2);
    expect(twice.value.items[1]).toEqual(twice.value.items[0]);
    expect(twice.value.items[0]).toMatchObject({ ok: true, plaintext: PLAINTEXT });
  });

  it('handles expire', async () => {
    const t = await registeredWorld();
    const handle = await regionHandle(t, [['OC1x']]);
    t.clock.advance(5 * 60_000 + 1);
    await t.call(senders.popup(), { type: 'status/get' }); // keep the vault unlocked
    expect(await t.call(senders.display(), { type: 'display/open', handle })).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('release by handle drops the region after its frame claimed it (only from the opener tab); by job id too', async () => {
    const t = await registeredWorld();
    const messages = [bobsArmor('r-1', 'one'), bobsArmor('r-2', 'two')];
    const handle = await regionHandle(t, messages, { conversationId: '#chan', pageAuthor: 'bob' });
    const region = await openRegion(t, handle);
    expect((await fetchItems(t, region.jobId, [0])).value.items[0]).toMatchObject({ ok: true, plaintext: 'one' });
    expect((await t.call(senders.cs(2), { type: 'job/release', handleOrJobId: handle })).ok).toBe(true);
    expect((await fetchItems(t, region.jobId, [1])).value.items[0]).toMatchObject({ ok: true, plaintext: 'two' }); // another tab's release did nothing
    expect((await t.call(senders.cs(), { type: 'job/release', handleOrJobId: handle })).ok).toBe(true);
    expect(await fetchItems(t, region.jobId, [0])).toMatchObject({ error: { code: 'NotFound' } });
    const second = await openRegion(t, await regionHandle(t, messages));
    await t.call(senders.cs(), { type: 'job/release', handleOrJobId: second.jobId });
    expect(await fetchItems(t, second.jobId, [0])).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('a region of 100 messages fetched in two calls: each item once, in the asked order, fresh then from the cache', async () => {
    const t = await registeredWorld();
    const messages = Array.from({ length: 100 }, (_, i) => bobsArmor(`big-${i}`, `message ${i}`));
    const region = await openRegion(t, await regionHandle(t, messages, { conversationId: '#chan', pageAuthor: 'bob' }));
    expect(region.heightsPx).toEqual(messages.map((_, i) => 40 + i));
    const visible = [60, 61, 62, 59, 63]; // the frame asks for what is in view first, in any order
    const first = await fetchItems(t, region.jobId, visible);
    expect(first.value.items.map((i: any) => i.plaintext)).toEqual(visible.map((i) => `message ${i}`));
    const rest = messages.map((_, i) => i).filter((i) => !visible.includes(i));
    const second = await fetchItems(t, region.jobId, rest);
    expect(second.value.items).toHaveLength(95);
    expect(second.value.items.map((i: any) => i.plaintext)).toEqual(rest.map((i) => `message ${i}`));
    expect([...first.value.items, ...second.value.items].every((i: any) => i.ok && i.fromCache === false && i.badge.kind === 'firstSeen')).toBe(true);
    expect(await t.service.cache.count()).toBe(100);
    const again = await fetchItems(t, region.jobId, [0, 99]);
    expect(again.value.items).toEqual([expect.objectContaining({ plaintext: 'message 0', fromCache: true }), expect.objectContaining({ plaintext: 'message 99', fromCache: true })]);
  });

  it('one tampered or foreign message among good ones fails alone', async () => {
    const t = await registeredWorld();
    const notForMe = JSON.parse(Buffer.from(bobsArmor('nfm', 'x')[0]!.slice(3), 'base64').toString('utf8'));
    notForMe.counters = { ['c0'.repeat(32)]: 0 };
    const messages = [bobsArmor('g-1', 'good one'), ['OC2garbage'], bobsArmor('g-2', 'good two'), ['OC1' + Buffer.from(JSON.stringify(notForMe)).toString('base64')], bobsArmor('g-3', 'good three')];
    const items = await showRegion(t, messages, { conversationId: '#chan', pageAuthor: 'bob' });
    expect(items).toEqual([
      expect.objectContaining({ ok: true, plaintext: 'good one' }),
      { ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } },
      expect.objectContaining({ ok: true, plaintext: 'good two' }),
      { ok: false, badge: { kind: 'notForThisDevice' } },
      expect.objectContaining({ ok: true, plaintext: 'good three' }),
    ]);
    expect(await t.service.cache.count()).toBe(3);
  });

  it('mismatch is per item: author, conversation and repeated id each mark only their message', async () => {
    const t = await registeredWorld();
    const good = bobsArmor('p-1', 'placed right');
    const otherChannel = bobsArmor('p-2', 'from #other', '#other');
    // The fake engine refuses a reused id under one sending card (its "ratchet"): the copy comes from another card.
    const copyArmor = JSON.parse(Buffer.from(bobsArmor('p-1', 'same id, other text')[0]!.slice(3), 'base64').toString('utf8'));
    copyArmor.senderCard = 'b1'.repeat(32);
    const copy = ['OC1' + Buffer.from(JSON.stringify(copyArmor)).toString('base64')];
    const items = await showRegion(t, [good, bobsArmor('p-3', 'claimed by carol'), otherChannel, copy, bobsArmor('p-4', 'also right')], {
      conversationId: '#chan',
      authors: ['bob', 'carol', 'bob', 'bob', 'bob@irc'],
    });
    expect(items.map((i: any) => i.badge)).toEqual([
      { kind: 'firstSeen' },
      { kind: 'mismatch', reason: 'author' },
      { kind: 'mismatch', reason: 'conversation' },
      { kind: 'mismatch', reason: 'repeatedMessageId' },
      { kind: 'firstSeen' },
    ]);
    expect(items.every((i: any) => i.ok && i.senderName === 'bob@irc')).toBe(true);
    // The seen map is per tab and kept across requests: the copy shown later, alone, is still a mismatch.
    expect((await showOne(t, copy, { conversationId: '#chan', pageAuthor: 'bob' })).badge).toEqual({ kind: 'mismatch', reason: 'repeatedMessageId' });
    expect((await showOne(t, good, { conversationId: '#chan', pageAuthor: 'bob' })).badge).toEqual({ kind: 'firstSeen' });
  });

  it('a compose job belongs to the frame that claimed it', async () => {
    const t = await registeredWorld();
    const { jobId } = await openCompose(t);
    expect(await t.call(senders.compose(1, 7), { type: 'compose/submit', jobId, plaintext: 'x' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.cs(2), { type: 'compose/output', jobId })).toMatchObject({ error: { code: 'Forbidden' } });
    const opened = await t.call(senders.cs(), { type: 'compose/open', host: HOST, conversationId: '#chan' });
    expect(await t.call(senders.compose(2), { type: 'compose/claim', handle: opened.value.handle })).toMatchObject({ error: { code: 'Forbidden' } });
  });

  it('two regions of one tab fetched at once both remember their message ids (repeated-id check)', async () => {
    const t = await registeredWorld();
    const ids = Array.from({ length: 6 }, (_, i) => `cc-${i}`);
    await showRegion(t, ids.map((id) => bobsArmor(id, id)), { conversationId: '#chan', tab: 2 }); // cached: both fetches race
    // Widen the read-modify-write window of the seen map (the property must hold under any interleaving).
    const get = t.ephemeral.get.bind(t.ephemeral);
    t.ephemeral.get = async <T,>(key: string) => {
      const value = await get<T>(key);
      if (key === 'seen:1') for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      return value;
    };
    const regions = await Promise.all([0, 1].map(async (r) => openRegion(t, await regionHandle(t, ids.slice(r * 3, r * 3 + 3).map((id) => bobsArmor(id, id)), { conversationId: '#chan' }), senders.display(1, 10 + r))));
    const fetched = await Promise.all(regions.map((region, r) => fetchItems(t, region.jobId, [0, 1, 2], senders.display(1, 10 + r))));
    expect(fetched.flatMap((f) => f.value.items).every((i: any) => i.ok && i.badge.kind === 'firstSeen')).toBe(true);
    const seen = await t.ephemeral.get<Record<string, string>>('seen:1');
    expect(Object.keys(seen ?? {}).sort()).toEqual(ids);
  });

  it('mismatch badges: another author than the page shows, another conversation, a repeated message id', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const show = async (extra: { conversationId?: string; pageAuthor?: string }, p = parts) => showOne(t, p, extra);
    expect((await show({ conversationId: '#chan', pageAuthor: 'carol' })).badge).toEqual({ kind: 'mismatch', reason: 'author' });
    expect((await show({ conversationId: '#other', pageAuthor: 'alice' })).badge).toEqual({ kind: 'mismatch', reason: 'conversation' });
    expect((await show({ conversationId: '#chan', pageAuthor: 'alice@irc' })).badge).toEqual({ kind: 'verified' });
    // Same message id, different ciphertext (re-encoded copy): mismatch.
    const fakeCopy = ['OC1' + Buffer.from(Buffer.from(parts.join('').slice(3), 'base64').toString('utf8').replace('"body":"', '"body":"AA')).toString('base64')];
    expect((await show({ conversationId: '#chan' }, fakeCopy)).badge).toEqual({ kind: 'mismatch', reason: 'repeatedMessageId' });
  });

  it('tampered armor shows could-not-decrypt with the reason, and is not cached', async () => {
    const t = await registeredWorld();
    expect(await showOne(t, ['OC2garbage'])).toEqual({ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } });
    expect(await t.service.cache.count()).toBe(0);
  });

  it('received messages are decrypted once and then served from the cache', async () => {
    const t = await registeredWorld();
    // Bob's message to alice, made by the fake engine format directly.
    const parts = bobsArmor();
    const fetchOnce = () => showOne(t, parts, { conversationId: '#chan', pageAuthor: 'bob' });
    expect(await fetchOnce()).toMatchObject({ ok: true, plaintext: 'hi alice', senderName: 'bob@irc', badge: { kind: 'firstSeen' }, fromCache: false });
    expect(await fetchOnce()).toMatchObject({ ok: true, plaintext: 'hi alice', badge: { kind: 'firstSeen' }, fromCache: true });
  });

  it('on a site that is not enabled, armor decrypts only after a click in our frame', async () => {
    const t = await registeredWorld();
    const { parts } = await send(t);
    const region = await openRegion(t, await regionHandle(t, [parts, parts], { host: 'other.example' }));
    expect(region.gate).toBe('clickToDecrypt');
    expect((await fetchItems(t, region.jobId, [0, 1])).value).toEqual({ items: [{ ok: false, badge: { kind: 'clickToDecrypt' } }, { ok: false, badge: { kind: 'clickToDecrypt' } }] });
    const revealed = await fetchItems(t, region.jobId, [0, 1], senders.display(), true);
    expect(revealed.value.items).toEqual([expect.objectContaining({ ok: true, plaintext: PLAINTEXT }), expect.objectContaining({ ok: true, plaintext: PLAINTEXT })]);
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
    await showOne(t, parts);
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
    expect(s.value).toMatchObject({ siteEnabled: true, encryptionOn: true, recipients: { people: 0, devices: 0 } }); // bob's one device waits for approval
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
