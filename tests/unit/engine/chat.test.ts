/**
 * Forward-secret chat through the real service, engines and directory: alice and bob register, talk in a channel,
 * restart, and everything that must fail does so with the right badge.
 */
import { ModelSigner, RawSignedModel } from 'virgil-sdk';
import { VirgilCardCrypto } from 'virgil-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { CardDirectory, exportPublicKeyBase64, generateDeviceKey } from '../../../lib/cards';
import { ErrorCode } from '../../../lib/errors';
import { contains, rawDump } from '../storage/raw-dump';
import { as, HOST, ok, openChannel, register, restore, send, show, type User } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Flips one base62 character in the middle of the first part's data. */
function tamper(parts: string[]): string[] {
  const p = parts[0]!;
  const at = Math.floor(p.length / 2);
  const c = p[at] === 'a' ? 'b' : 'a';
  return [p.slice(0, at) + c + p.slice(at + 1), ...parts.slice(1)];
}

describe('forward-secret chat between two people', () => {
  let alice: User;
  let bob: User;
  const secrets: string[] = [];
  beforeAll(async () => {
    [alice, bob] = await Promise.all([register(t, 'alice'), register(t, 'bob')]);
    await openChannel(alice, '#chan', ['alice', 'bob']);
    await openChannel(bob, '#chan', ['alice', 'bob']);
  }, 120_000);

  it('alice sends, bob reads exactly her words with her name and a first-seen badge; bob replies', async () => {
    const words = 'hello bob, meet at 5 🔐 <b>x</b>';
    secrets.push(words);
    const { parts, job } = await send(alice, '#chan', words);
    expect(job.mode).toBe('forward-secret');
    expect(job.recipients.map((r: any) => r.identity).sort()).toEqual(['alice@irc', 'bob@irc']);
    expect(parts).toHaveLength(1);
    const shown = await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' });
    expect(shown).toMatchObject({ ok: true, plaintext: words, senderName: 'alice@irc', badge: { kind: 'firstSeen' }, fromCache: false });
    expect(shown.header).toMatchObject({ conversationId: '#chan', senderIdentity: 'alice@irc', mode: 'forward-secret' });

    const reply = 'see you there, alice';
    secrets.push(reply);
    const back = await show(alice, (await send(bob, '#chan', reply)).parts, { conversationId: '#chan', pageAuthor: 'bob' });
    expect(back).toMatchObject({ ok: true, plaintext: reply, senderName: 'bob@irc', badge: { kind: 'firstSeen' } });
    // Alice's own message reads as plaintext on her side (her copy is cached at send).
    expect(await show(alice, parts, { conversationId: '#chan', pageAuthor: 'alice' })).toMatchObject({ ok: true, plaintext: words, badge: { kind: 'verified' } });
  }, 120_000);

  it('armor overhead stays under 160 characters per chat message', async () => {
    const text = 'x'.repeat(100);
    const { parts } = await send(alice, '#chan', text);
    expect(parts).toHaveLength(1);
    const overhead = parts[0]!.length - text.length * 1.375;
    expect(overhead).toBeLessThanOrEqual(160);
    expect((await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' })).plaintext).toBe(text);
  }, 60_000);

  it('a message longer than the 350-character limit arrives whole, parts in any order', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `line ${i} of a long secret`).join('\n');
    secrets.push(long);
    const { parts } = await send(alice, '#chan', long);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 350)).toBe(true);
    const shown = await show(bob, [...parts].reverse(), { conversationId: '#chan', pageAuthor: 'alice' });
    expect(shown).toMatchObject({ ok: true, plaintext: long });
  }, 60_000);

  it('after a worker restart the history shows from the cache', async () => {
    const words = 'before the restart';
    const { parts } = await send(alice, '#chan', words);
    expect((await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' })).plaintext).toBe(words);
    bob = await bob.restart();
    await openChannel(bob, '#chan', ['alice', 'bob']);
    expect(await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' })).toMatchObject({ ok: true, plaintext: words, fromCache: true });
    // And new messages still decrypt with the stored sender key.
    const after = await send(alice, '#chan', 'after the restart');
    expect((await show(bob, after.parts, { conversationId: '#chan', pageAuthor: 'alice' })).plaintext).toBe('after the restart');
  }, 60_000);

  it('two tabs showing the same new message at once both get the plaintext (one decrypt, one from the cache)', async () => {
    const { parts } = await send(alice, '#chan', 'shown in two tabs at once');
    const [a, b] = await Promise.all([
      show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' }, 4),
      show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' }, 5),
    ]);
    expect([a, b]).toEqual([
      expect.objectContaining({ ok: true, plaintext: 'shown in two tabs at once' }),
      expect.objectContaining({ ok: true, plaintext: 'shown in two tabs at once' }),
    ]);
  }, 60_000);

  it('tampered armor: could not decrypt (Tampered)', async () => {
    const { parts } = await send(alice, '#chan', 'do not change me');
    expect(await show(bob, tamper(parts), { conversationId: '#chan', pageAuthor: 'alice' })).toMatchObject({
      ok: false,
      badge: { kind: 'couldNotDecrypt', reason: ErrorCode.Tampered },
    });
  }, 60_000);

  it("alice's armor shown under carol's name, or in another channel, is a mismatch", async () => {
    const { parts } = await send(alice, '#chan', 'only in #chan, only from alice');
    expect(await show(bob, parts, { conversationId: '#chan', pageAuthor: 'carol' }, 2)).toMatchObject({ ok: true, badge: { kind: 'mismatch', reason: 'author' } });
    expect(await show(bob, parts, { conversationId: '#other', pageAuthor: 'alice' }, 3)).toMatchObject({ ok: true, badge: { kind: 'mismatch', reason: 'conversation' } });
  }, 60_000);

  it('a card for bob signed by the app but not by his identity key is not encrypted to', async () => {
    // A malicious directory (or anyone with bob's directory password) publishes a device card without bob's identity
    // signature; the directory co-signs it like any other.
    const rogueKey = generateDeviceKey();
    const model = new RawSignedModel(
      JSON.stringify({ identity: 'bob@irc', created_at: Math.floor(Date.now() / 1000), version: '5.0', public_key: exportPublicKeyBase64(rogueKey.publicKey) }),
      [],
    );
    new ModelSigner(new VirgilCardCrypto(virgil())).sign({ model, signerPrivateKey: rogueKey.privateKey, signer: 'self' });
    const cards = new CardDirectory({ apiUrl: t.url, appPublicKey: t.appPublicKey, getToken: () => bob.service.directory.sessionToken() });
    await cards.manager.publishRawCard(model).catch(() => undefined); // our verifier refuses it after the server stored it
    const search = await cards.search(['bob@irc']);
    expect(search.rejected).toEqual([expect.objectContaining({ identity: 'bob@irc', reason: 'missing-identity-signature' })]);
    const rogueId = search.rejected[0]!.cardId!;

    const { parts, job } = await send(alice, '#chan', 'not for the rogue card');
    const bobView = job.recipients.find((r: any) => r.identity === 'bob@irc');
    expect(bobView.devices.map((d: any) => d.cardId)).not.toContain(rogueId);
    expect(bobView.devices).toHaveLength(1);
    expect((await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' })).plaintext).toBe('not for the rogue card');
    // Nothing was ever posted to the rogue card's mailbox.
    const token = await cards.manager.accessTokenProvider.getToken({ service: 'cards', operation: 'x' });
    const box = await fetch(`${t.url}/v1/mailbox/${rogueId}`, { headers: { authorization: `Virgil ${token.toString()}` } });
    expect(box.status === 403 || box.status === 404 || ((await box.json()) as any).envelopes?.length === 0).toBe(true);
  }, 60_000);

  it('the raw IndexedDB holds no plaintext and no private key', async () => {
    for (const u of [alice, bob]) {
      const device = await u.service.keystore.get<any>('deviceKeys', 'device');
      expect(device?.devicePrivateKey).toBeInstanceOf(Uint8Array);
      const dump = await rawDump(u.dbName);
      for (const s of secrets) expect(contains(dump, utf8(s)), `${u.name}: plaintext`).toBe(false);
      expect(contains(dump, device.devicePrivateKey), `${u.name}: device key`).toBe(false);
      expect(contains(dump, device.identityPrivateKey), `${u.name}: identity key`).toBe(false);
      expect(contains(dump, utf8(u.name === 'alice' ? 'bob@irc' : 'alice@irc')), `${u.name}: contact name`).toBe(false);
      expect(contains(dump, utf8(`${u.name} account password`)), `${u.name}: password`).toBe(false);
    }
  }, 60_000);
});

describe('identity changes, groups and second devices', () => {
  it('dave registers again with a new identity key: erin sees keyChanged before sending and nothing goes to him', async () => {
    const [erin, dave] = await Promise.all([register(t, 'erin'), register(t, 'dave')]);
    await openChannel(erin, '#dm', ['erin', 'dave']);
    await openChannel(dave, '#dm', ['erin', 'dave']);
    const first = await send(erin, '#dm', 'hi dave');
    expect((await show(dave, first.parts, { conversationId: '#dm', pageAuthor: 'erin' })).plaintext).toBe('hi dave');

    const dave2 = await register(t, 'dave'); // a new browser, no backup: a new identity key
    await openChannel(dave2, '#dm', ['erin', 'dave']);
    const status = await ok(erin.call(as.cs(), { type: 'page/status', host: HOST, conversationId: '#dm' }));
    expect(status.warnings).toContainEqual({ kind: 'keyChanged', identity: 'dave@irc' });
    const opened = await ok(erin.call(as.cs(), { type: 'compose/open', host: HOST, conversationId: '#dm' }));
    const job = await ok(erin.call(as.compose(), { type: 'compose/claim', handle: opened.handle }));
    expect(job.recipients.find((r: any) => r.identity === 'dave@irc')).toMatchObject({ state: 'keyChanged', devices: [] });
    const submit = await erin.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext: 'must not reach the new key' });
    expect(submit.ok).toBe(false);
    expect(submit.error!.code).toBe(ErrorCode.IdentityKeyChanged); // refused by name, not as "nobody can read"

    // Erin compares the new safety number with dave's and accepts the new key: messages reach the new device only.
    const ours = await ok(erin.call(as.popup(), { type: 'contacts/safetyNumber', identity: 'dave@irc' }));
    const his = await ok(dave2.call(as.popup(), { type: 'contacts/safetyNumber', identity: 'erin@irc' }));
    expect(ours.digits).toBe(his.digits);
    expect(await ok(erin.call(as.popup(), { type: 'contacts/verify', identity: 'dave@irc', verified: true }))).toMatchObject({ state: 'verified' });
    const after = await send(erin, '#dm', 'hello new dave');
    expect((await show(dave2, after.parts, { conversationId: '#dm', pageAuthor: 'erin' })).plaintext).toBe('hello new dave');
    expect((await show(dave, after.parts, { conversationId: '#dm', pageAuthor: 'erin' })).badge).toEqual({ kind: 'couldNotDecrypt', reason: ErrorCode.UnknownSenderKey });
  }, 120_000);

  it('3-person group: after carol leaves, she cannot decrypt the next message; bob can', async () => {
    const [ann, ben, cat] = await Promise.all([register(t, 'ann'), register(t, 'ben'), register(t, 'cat')]);
    for (const u of [ann, ben, cat]) await openChannel(u, '#team', ['ann', 'ben', 'cat']);
    const m1 = await send(ann, '#team', 'team secret 1');
    expect((await show(ben, m1.parts, { conversationId: '#team', pageAuthor: 'ann' })).plaintext).toBe('team secret 1');
    expect((await show(cat, m1.parts, { conversationId: '#team', pageAuthor: 'ann' })).plaintext).toBe('team secret 1');

    await openChannel(ann, '#team', ['ann', 'ben']); // cat left the channel
    const m2 = await send(ann, '#team', 'team secret 2, without cat');
    expect((await show(ben, m2.parts, { conversationId: '#team', pageAuthor: 'ann' })).plaintext).toBe('team secret 2, without cat');
    expect(await show(cat, m2.parts, { conversationId: '#team', pageAuthor: 'ann' })).toMatchObject({
      ok: false,
      badge: { kind: 'couldNotDecrypt', reason: ErrorCode.UnknownSenderKey },
    });
  }, 120_000);

  it("a second device restored from the backup receives messages too; the first still does", async () => {
    const [fay, gus] = await Promise.all([register(t, 'fay'), register(t, 'gus')]);
    await ok(gus.call(as.popup(), { type: 'backup/create', backupPassword: 'gus backup password' }), 'backup/create');
    const gus2 = await restore(t, 'gus', 'gus backup password');
    for (const u of [fay, gus, gus2]) await openChannel(u, '#pair', ['fay', 'gus']);
    const devices = await ok(gus2.call(as.popup(), { type: 'devices/list' }));
    expect(devices).toHaveLength(2);

    const { parts, job } = await send(fay, '#pair', 'to both of your devices');
    expect(job.recipients.find((r: any) => r.identity === 'gus@irc').devices).toHaveLength(2);
    expect((await show(gus, parts, { conversationId: '#pair', pageAuthor: 'fay' })).plaintext).toBe('to both of your devices');
    expect((await show(gus2, parts, { conversationId: '#pair', pageAuthor: 'fay' })).plaintext).toBe('to both of your devices');
    // gus writes from his second device: fay and his first device read it.
    const reply = await send(gus2, '#pair', 'from my laptop');
    expect((await show(fay, reply.parts, { conversationId: '#pair', pageAuthor: 'gus' })).plaintext).toBe('from my laptop');
    expect(await show(gus, reply.parts, { conversationId: '#pair', pageAuthor: 'gus' })).toMatchObject({ ok: true, plaintext: 'from my laptop', badge: { kind: 'verified' } });
  }, 180_000);
});
