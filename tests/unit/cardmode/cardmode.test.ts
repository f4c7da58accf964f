import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { exportPublicKeyBase64, generateIdentityKey, type DeviceCard, type KeyPair } from '../../../lib/cards';
import { ContactStore, MemoryStorage } from '../../../lib/contacts';
import {
  checkCardMessageShape, decryptCardMessage, encodePlaintext, encryptCardMessage, newHeader, resolveRecipients, trustedSenderCards,
} from '../../../lib/cardmode';
import { ErrorCode, isError, OvercryptError } from '../../../lib/errors';
import { compareHeaderToPage, HeaderFlag } from '../../../lib/wire/header';
import { FakeDirectory } from '../cards/support/fake-directory';
import { makeCard, makeUser, type TestUser } from '../contacts/support';

interface Device {
  card: DeviceCard;
  key: KeyPair;
}

let dir: FakeDirectory;
let alice: TestUser;
let bob: TestUser;
let a1: Device, a2: Device, b1: Device, b2: Device, rogue: Device;
let aliceContacts: ContactStore;
let bobContacts: ContactStore;
const conversation = { namespace: 'mail.example', conversation: 'thread-42' };
const text = new TextEncoder();

function device(user: TestUser, identityKey?: KeyPair): Device {
  const { card, deviceKey } = makeCard(dir, user, identityKey ? { identityKey } : {});
  return { card, key: deviceKey };
}

beforeAll(async () => {
  await ensureCrypto();
  dir = await FakeDirectory.create();
  alice = makeUser('alice');
  bob = makeUser('bob');
  a1 = device(alice);
  a2 = device(alice);
  b1 = device(bob);
  b2 = device(bob);
  rogue = device(bob, generateIdentityKey()); // app-signed, cross-signed by another identity key
  aliceContacts = new ContactStore(new MemoryStorage(), { appPublicKey: dir.appPublicKey });
  bobContacts = new ContactStore(new MemoryStorage(), { appPublicKey: dir.appPublicKey });
  await aliceContacts.pinOwnIdentity('alice', alice.identityKeyB64);
  await aliceContacts.applyCardSet('alice', [a1.card, a2.card]);
  await aliceContacts.applyCardSet('bob', [b1.card, b2.card]);
  await aliceContacts.applyCardSet('bob', [b1.card, b2.card, rogue.card]);
  await bobContacts.pinOwnIdentity('bob', bob.identityKeyB64);
  await bobContacts.applyCardSet('bob', [b1.card, b2.card]);
  await bobContacts.applyCardSet('alice', [a1.card, a2.card]);
});

async function send(body: string, from: Device = a1, orgPublicKey?: string): Promise<Uint8Array> {
  const { cards } = await resolveRecipients(aliceContacts, ['bob'], 'alice');
  const header = newHeader({
    conversation, sender: { identity: 'alice', cardId: from.card.id }, scope: { recipientCardIds: cards.map((c) => c.id) },
    counter: 7, now: 1_700_000_000_000, archived: orgPublicKey !== undefined,
  });
  return encryptCardMessage({ sender: { identity: 'alice', card: from.card, privateKey: from.key.privateKey }, recipients: cards, header, body: text.encode(body), ...(orgPublicKey ? { orgPublicKey } : {}) });
}

function codeOf(f: () => unknown): string | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof OvercryptError) return e.code;
    throw e;
  }
}

describe('card mode', () => {
  it('every trusted device of every participant and the sender\'s other device decrypt; the header comes back', async () => {
    const ct = await send('hello bob');
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    for (const d of [b1, b2]) {
      const out = decryptCardMessage({ ciphertext: ct, privateKey: d.key.privateKey, trustedSenders: senders });
      expect(new TextDecoder().decode(out.body)).toBe('hello bob');
      expect(out.header.conversation).toEqual(conversation);
      expect(out.header.senderIdentity).toBe('alice');
      expect(out.header.senderCardId).toBe(a1.card.id);
      expect(out.header.counter).toBe(7);
      expect(out.senderCard.id).toBe(a1.card.id);
    }
    const own = await trustedSenderCards(aliceContacts, ['bob'], 'alice');
    expect(new TextDecoder().decode(decryptCardMessage({ ciphertext: ct, privateKey: a2.key.privateKey, trustedSenders: own }).body)).toBe('hello bob');
  });

  it('a card for bob signed by the app key but not by bob\'s identity key is not encrypted to', async () => {
    const { cards } = await resolveRecipients(aliceContacts, ['bob'], 'alice');
    expect(cards.map((c) => c.id)).not.toContain(rogue.card.id);
    const ct = await send('not for mallory');
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    expect(codeOf(() => decryptCardMessage({ ciphertext: ct, privateKey: rogue.key.privateKey, trustedSenders: senders }))).toBe(ErrorCode.NotARecipient);
  });

  it('a message signed by a key that is not pinned is UntrustedIdentity', async () => {
    const mallory = device(makeUser('alice'));
    const header = newHeader({ conversation, sender: { identity: 'alice', cardId: mallory.card.id }, scope: { recipientCardIds: [b1.card.id] }, counter: 1, now: 1, archived: false });
    const ct = encryptCardMessage({ sender: { identity: 'alice', card: mallory.card, privateKey: mallory.key.privateKey }, recipients: [b1.card], header, body: text.encode('hi') });
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    expect(codeOf(() => decryptCardMessage({ ciphertext: ct, privateKey: b1.key.privateKey, trustedSenders: senders }))).toBe(ErrorCode.UntrustedIdentity);
  });

  it('a header naming another sender than the signer is HeaderMismatch', async () => {
    const header = newHeader({ conversation, sender: { identity: 'alice', cardId: a2.card.id }, scope: { recipientCardIds: [b1.card.id] }, counter: 1, now: 1, archived: false });
    const keys = [virgil().importPublicKey(b1.card.publicKey)];
    const ct = new Uint8Array(virgil().signAndEncrypt(encodePlaintext(header, text.encode('x')), a1.key.privateKey, keys));
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    expect(codeOf(() => decryptCardMessage({ ciphertext: ct, privateKey: b1.key.privateKey, trustedSenders: senders }))).toBe(ErrorCode.HeaderMismatch);
    // and the sending API refuses to build such a header
    expect(codeOf(() => encryptCardMessage({ sender: { identity: 'alice', card: a1.card, privateKey: a1.key.privateKey }, recipients: [b1.card], header, body: new Uint8Array() }))).toBe(ErrorCode.HeaderMismatch);
  });

  it('a message replayed into another conversation or shown under another name is reported by the header check', async () => {
    const ct = await send('bound to thread-42');
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    const { header } = decryptCardMessage({ ciphertext: ct, privateKey: b1.key.privateKey, trustedSenders: senders });
    expect(compareHeaderToPage(header, { conversation, senderIdentity: 'alice' })).toEqual([]);
    const kinds = compareHeaderToPage(header, { conversation: { namespace: 'mail.example', conversation: 'thread-43' }, senderIdentity: 'carol' }).map((m) => m.kind);
    expect(kinds).toEqual(['conversation', 'sender']);
  });

  it('the org card, when pinned by policy, can decrypt too and the header says archived', async () => {
    const org = virgil().generateKeys();
    const ct = await send('for the record', a1, exportPublicKeyBase64(org.publicKey));
    const out = decryptCardMessage({ ciphertext: ct, privateKey: org.privateKey, trustedSenders: [a1.card] });
    expect(out.header.flags & HeaderFlag.ArchivedToOrg).toBe(HeaderFlag.ArchivedToOrg);
  });

  it('refuses to send when a participant is unknown or has no trusted card', async () => {
    await expect(resolveRecipients(aliceContacts, ['carol'], 'alice')).rejects.toMatchObject({ code: ErrorCode.NotRegistered });
    const store = new ContactStore(new MemoryStorage(), { appPublicKey: dir.appPublicKey });
    await store.applyCardSet('bob', [b1.card]);
    await store.applyCardSet('bob', [rogue.card]); // b1 revoked, only the rogue card left
    await store.pinOwnIdentity('alice', alice.identityKeyB64);
    await expect(resolveRecipients(store, ['bob'], 'alice')).rejects.toMatchObject({ code: ErrorCode.UntrustedIdentity });
  });

  it('any single-byte change fails with a typed error or leaves header and body intact; the WASM never aborts', async () => {
    const ct = await send('integrity');
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    const allowed = new Set<string>([ErrorCode.Tampered, ErrorCode.Malformed, ErrorCode.NotARecipient, ErrorCode.BadSignature, ErrorCode.UntrustedIdentity, ErrorCode.HeaderMismatch, 'ok']);
    const original = decryptCardMessage({ ciphertext: ct, privateKey: b1.key.privateKey, trustedSenders: senders });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ct.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bad = ct.slice();
        bad[pos]! ^= mask;
        let result: ReturnType<typeof decryptCardMessage> | undefined;
        const code = codeOf(() => (result = decryptCardMessage({ ciphertext: bad, privateKey: b1.key.privateKey, trustedSenders: senders })));
        expect(allowed.has(code)).toBe(true);
        if (result) {
          expect(result.body).toEqual(original.body);
          expect(result.header).toEqual(original.header);
        }
      }),
      { numRuns: 1500, seed: 42 },
    );
  });

  it('truncations give typed errors; random bytes and multi-byte mutations never reach the WASM in an abortable shape', async () => {
    const ct = await send('truncate me');
    const senders = await trustedSenderCards(bobContacts, ['alice'], 'bob');
    // Truncations: typed errors only (a cut inside the encrypted footer can still abort one WASM call: see der-shape.ts).
    for (let n = 0; n < ct.length; n += 3) {
      expect(codeOf(() => decryptCardMessage({ ciphertext: ct.slice(0, n), privateKey: b1.key.privateKey, trustedSenders: senders }))).toMatch(/^(Malformed|Tampered|NotARecipient)$/);
    }
    const inputs: Uint8Array[] = [];
    let seed = 9;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 300; i++) inputs.push(Uint8Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256)));
    for (let i = 0; i < 1500; i++) {
      const bad = ct.slice();
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      inputs.push(bad);
    }
    let aborted = 0;
    for (const input of inputs) {
      expect(codeOf(() => decryptCardMessage({ ciphertext: input, privateKey: b1.key.privateKey, trustedSenders: senders }))).not.toBe('Internal');
      try {
        checkCardMessageShape(input);
        virgil().decryptAndVerify(input, b1.key.privateKey, [virgil().importPublicKey(a1.card.publicKey)]);
      } catch (e) {
        if (String((e as Error).message).includes('Abort')) aborted++;
      }
    }
    expect(aborted).toBe(0);
  });

  it('the shape check stops every single-byte flip that would abort the WASM', async () => {
    const ct = await send('abort?');
    let aborted = 0;
    for (let i = 0; i < ct.length * 3; i++) {
      const pos = i % ct.length;
      const bad = ct.slice();
      bad[pos]! ^= [0x5a, 0x01, 0x88][Math.floor(i / ct.length)]!;
      try {
        checkCardMessageShape(bad);
      } catch (e) {
        expect(isError(e, ErrorCode.Malformed)).toBe(true);
        continue;
      }
      try {
        virgil().decryptAndVerify(bad, b1.key.privateKey, [virgil().importPublicKey(a1.card.publicKey)]);
      } catch (e) {
        if (String((e as Error).message).includes('Abort')) aborted++;
      }
    }
    expect(aborted).toBe(0);
  });
});
