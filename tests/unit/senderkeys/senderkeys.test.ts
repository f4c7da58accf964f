/**
 * Sender keys: one ciphertext for any number of devices, exactly-once delivery under loss,
 * reordering and duplication, tamper and replay rejection with unchanged state, rotation,
 * late joiners, and no verification under long-term card keys.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { ed25519Verify, randomBytes, utf8 } from '../../../lib/crypto/primitives';
import { ErrorCode } from '../../../lib/errors';
import { toHex } from '../../../lib/ratchet/codec';
import { decryptFrom, encryptTo } from '../../../lib/ratchet';
import {
  DEFAULT_ROTATION_POLICY,
  GROUP_MESSAGE_OVERHEAD,
  createOutboundSenderKey,
  inboundFromDistribution,
  parseDistribution,
  senderKeyDecrypt,
  senderKeyDecryptMany,
  senderKeyEncrypt,
  type GroupMessage,
  type GroupOpenResult,
  type InboundSenderKey,
  MAX_SENDER_KEY_GAP,
  MemorySenderKeyStore,
  decryptGroupMessage,
  deserialiseInbound,
  deserialiseOutbound,
  distributionOf,
  encryptGroupMessage,
  groupSignedBytes,
  parseGroupMessage,
  prepareOutbound,
  receiveDistribution,
  rotateOutbound,
  serialiseInbound,
  serialiseOutbound,
} from '../../../lib/senderkeys';
import { deviceIdentityFromVirgil, rawPublicKeyFromVirgil, virgilVerify } from '../../../lib/x3dh';
import { BINDING, Peer, T0, codeOf } from '../ratchet/harness';

const CONV = 'irc:libera.chat/#overcrypt';
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const cardId = () => toHex(randomBytes(32));

beforeAll(async () => {
  await ensureCrypto();
});

/** A sender with its store and `n` receivers that got its distribution. */
async function group(n: number) {
  const sender = { cardId: cardId(), store: new MemorySenderKeyStore() };
  const receivers = Array.from({ length: n }, () => ({ store: new MemorySenderKeyStore() }));
  const { distribution } = await prepareOutbound(sender.store, CONV, T0);
  for (const r of receivers) await receiveDistribution(r.store, sender.cardId, distribution!, T0);
  return { sender, receivers, distribution: distribution! };
}

async function snapshotInbound(store: MemorySenderKeyStore, keyId: number): Promise<string> {
  return (await store.findInbound(keyId)).map(serialiseInbound).join('|');
}

describe('sender-key messages', () => {
  it('one ciphertext of constant overhead decrypts on 2 and on 50 devices, naming the sender', async () => {
    for (const n of [1, 49]) {
      const { sender, receivers } = await group(n);
      const msg = await encryptGroupMessage(sender.store, CONV, utf8('hello room'), BINDING);
      expect(msg.length - utf8('hello room').length).toBe(GROUP_MESSAGE_OVERHEAD);
      expect(GROUP_MESSAGE_OVERHEAD).toBe(89);
      for (const r of receivers) {
        const got = await decryptGroupMessage(r.store, CONV, msg, BINDING);
        expect(text(got.plaintext)).toBe('hello room');
        expect(got.senderCardId).toBe(sender.cardId);
      }
    }
  });

  it('loss, reordering and duplication: each message decrypts exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), async (count, picks) => {
        const { sender, receivers } = await group(1);
        const r = receivers[0]!;
        const msgs: Uint8Array[] = [];
        for (let i = 0; i < count; i++) msgs.push(await encryptGroupMessage(sender.store, CONV, utf8(`m${i}`), BINDING));
        const done = new Set<number>();
        for (const p of picks) {
          const i = p % count;
          if (done.has(i)) {
            expect(await codeOf(decryptGroupMessage(r.store, CONV, msgs[i]!, BINDING))).toBe(ErrorCode.DuplicateMessage);
          } else {
            expect(text((await decryptGroupMessage(r.store, CONV, msgs[i]!, BINDING)).plaintext)).toBe(`m${i}`);
            done.add(i);
          }
        }
        for (let i = count - 1; i >= 0; i--) {
          if (!done.has(i)) expect(text((await decryptGroupMessage(r.store, CONV, msgs[i]!, BINDING)).plaintext)).toBe(`m${i}`);
        }
      }),
      { seed: 160, numRuns: 40 },
    );
  }, 120_000);

  it('flipping any bit fails (Tampered, or UnknownSenderKey for key-id bits) and changes nothing', async () => {
    const { sender, receivers, distribution } = await group(1);
    const r = receivers[0]!;
    const msg = await encryptGroupMessage(sender.store, CONV, utf8('do not touch'), BINDING);
    const keyId = parseGroupMessage(msg).keyId;
    void distribution;
    const before = await snapshotInbound(r.store, keyId);
    for (let i = 0; i < msg.length; i++) {
      for (const mask of [0x01, 0x40]) {
        const bad = msg.slice();
        bad[i]! ^= mask;
        const code = await codeOf(decryptGroupMessage(r.store, CONV, bad, BINDING));
        const expected = i === 0 ? ErrorCode.UnsupportedVersion : i <= 4 ? ErrorCode.UnknownSenderKey : ErrorCode.Tampered;
        expect(code, `byte ${i}`).toBe(expected);
        expect(await snapshotInbound(r.store, keyId)).toBe(before);
      }
    }
    expect(await codeOf(decryptGroupMessage(r.store, CONV, msg.subarray(0, 50), BINDING))).toBe(ErrorCode.Malformed);
    expect(text((await decryptGroupMessage(r.store, CONV, msg, BINDING)).plaintext)).toBe('do not touch');
  });

  it('another binding header is Tampered; another conversation is HeaderMismatch', async () => {
    const { sender, receivers } = await group(1);
    const r = receivers[0]!;
    const msg = await encryptGroupMessage(sender.store, CONV, utf8('x'), BINDING);
    expect(await codeOf(decryptGroupMessage(r.store, CONV, msg, utf8('other header')))).toBe(ErrorCode.Tampered);
    expect(await codeOf(decryptGroupMessage(r.store, 'irc:libera.chat/#other', msg, BINDING))).toBe(ErrorCode.HeaderMismatch);
    expect(text((await decryptGroupMessage(r.store, CONV, msg, BINDING)).plaintext)).toBe('x');
  });

  it(`a jump of more than MAX_SENDER_KEY_GAP (${MAX_SENDER_KEY_GAP}) is TooBigMessageGap; exactly the limit works`, async () => {
    const { sender, receivers } = await group(1);
    const r = receivers[0]!;
    const msgs: Uint8Array[] = [];
    for (let i = 0; i <= MAX_SENDER_KEY_GAP + 1; i++) msgs.push(await encryptGroupMessage(sender.store, CONV, utf8(`m${i}`), BINDING));
    expect(await codeOf(decryptGroupMessage(r.store, CONV, msgs[MAX_SENDER_KEY_GAP + 1]!, BINDING))).toBe(ErrorCode.TooBigMessageGap);
    expect(text((await decryptGroupMessage(r.store, CONV, msgs[MAX_SENDER_KEY_GAP]!, BINDING)).plaintext)).toBe(`m${MAX_SENDER_KEY_GAP}`);
    expect(text((await decryptGroupMessage(r.store, CONV, msgs[MAX_SENDER_KEY_GAP + 1]!, BINDING)).plaintext)).toBe(`m${MAX_SENDER_KEY_GAP + 1}`);
  }, 60_000);
});

describe('distribution, rotation, membership', () => {
  it('a repeated distribution does not rewind the chain; a reused id with another key is Conflict', async () => {
    const { sender, receivers, distribution } = await group(1);
    const r = receivers[0]!;
    const msg = await encryptGroupMessage(sender.store, CONV, utf8('once'), BINDING);
    await decryptGroupMessage(r.store, CONV, msg, BINDING);
    expect((await receiveDistribution(r.store, sender.cardId, distribution, T0)).isNew).toBe(false);
    expect(await codeOf(decryptGroupMessage(r.store, CONV, msg, BINDING))).toBe(ErrorCode.DuplicateMessage);
    const forged = distribution.slice();
    forged[50]! ^= 1; // inside the signing public key
    expect(await codeOf(receiveDistribution(r.store, sender.cardId, forged, T0))).toBe(ErrorCode.Conflict);
  });

  it('rotates after DEFAULT_ROTATION_POLICY.maxMessages messages or maxAgeMs, and on demand', async () => {
    const store = new MemorySenderKeyStore();
    const first = await prepareOutbound(store, CONV, T0);
    expect(first.distribution).not.toBeNull();
    expect((await prepareOutbound(store, CONV, T0 + 1)).distribution).toBeNull();
    for (let i = 0; i < DEFAULT_ROTATION_POLICY.maxMessages; i++) await encryptGroupMessage(store, CONV, utf8('x'), BINDING);
    const second = await prepareOutbound(store, CONV, T0 + 2);
    expect(second.distribution).not.toBeNull();
    expect(second.key.keyId).not.toBe(first.key.keyId);
    const third = await prepareOutbound(store, CONV, T0 + 2 + DEFAULT_ROTATION_POLICY.maxAgeMs);
    expect(third.key.keyId).not.toBe(second.key.keyId);
    const forced = await rotateOutbound(store, CONV, T0 + 3 + DEFAULT_ROTATION_POLICY.maxAgeMs);
    expect(forced.key.keyId).not.toBe(third.key.keyId);
  });

  it('a removed member cannot read after rotation; a member added later cannot read earlier messages', async () => {
    const { sender, receivers } = await group(2);
    const [bob, carol] = receivers as [{ store: MemorySenderKeyStore }, { store: MemorySenderKeyStore }];
    const before = await encryptGroupMessage(sender.store, CONV, utf8('before'), BINDING);
    // carol removed: new key, distributed to bob only
    const { distribution } = await rotateOutbound(sender.store, CONV, T0 + 10);
    await receiveDistribution(bob.store, sender.cardId, distribution, T0 + 10);
    const after = await encryptGroupMessage(sender.store, CONV, utf8('after'), BINDING);
    expect(text((await decryptGroupMessage(bob.store, CONV, after, BINDING)).plaintext)).toBe('after');
    expect(await codeOf(decryptGroupMessage(carol.store, CONV, after, BINDING))).toBe(ErrorCode.UnknownSenderKey);
    // bob still reads a late message of the old key
    expect(text((await decryptGroupMessage(bob.store, CONV, before, BINDING)).plaintext)).toBe('before');
    // dave joins: he gets the current state only
    const dave = new MemorySenderKeyStore();
    const earlier = await encryptGroupMessage(sender.store, CONV, utf8('before dave'), BINDING);
    const key = (await sender.store.loadOutbound(CONV))!;
    await receiveDistribution(dave, sender.cardId, distributionOf(key), T0 + 20);
    const later = await encryptGroupMessage(sender.store, CONV, utf8('welcome dave'), BINDING);
    expect(await codeOf(decryptGroupMessage(dave, CONV, earlier, BINDING))).toBe(ErrorCode.MissingMessageKey);
    expect(text((await decryptGroupMessage(dave, CONV, later, BINDING)).plaintext)).toBe('welcome dave');
  });

  it('distributions travel over the pairwise ratchet; the sender is the authenticated pairwise peer', async () => {
    const alice = new Peer('alice');
    const bob = new Peer('bob');
    await bob.publish();
    await alice.start(bob);
    const aliceKeys = new MemorySenderKeyStore();
    const bobKeys = new MemorySenderKeyStore();
    const { distribution } = await prepareOutbound(aliceKeys, CONV, T0);
    const wrapped = await encryptTo(alice.sessions, bob.cardId, distribution!, BINDING);
    const opened = await decryptFrom({ sessions: bob.sessions, prekeys: bob.dev.prekeys }, bob.dev.identity, alice.dev.remote, wrapped, BINDING, T0);
    await receiveDistribution(bobKeys, alice.cardId, opened.plaintext, T0);
    const msg = await encryptGroupMessage(aliceKeys, CONV, utf8('hi room'), BINDING);
    const got = await decryptGroupMessage(bobKeys, CONV, msg, BINDING);
    expect(got.senderCardId).toBe(alice.cardId);
    expect(text(got.plaintext)).toBe('hi room');
  });
});

describe('deniability', () => {
  it('no sender-key message verifies under a long-term card key (only under its ephemeral key)', async () => {
    const vc = virgil();
    const card = vc.generateKeys();
    const device = deviceIdentityFromVirgil(cardId(), card.privateKey);
    const store = new MemorySenderKeyStore();
    const { key } = await prepareOutbound(store, CONV, T0);
    const msg = await encryptGroupMessage(store, CONV, utf8('deniable'), BINDING);
    const m = parseGroupMessage(msg);
    const signed = groupSignedBytes(m.headerBytes, BINDING, m.ciphertext);
    expect(ed25519Verify(key.signingKey.publicKey, signed, m.signature)).toBe(true); // the test can fail
    expect(ed25519Verify(device.signingPublicKey, signed, m.signature)).toBe(false);
    expect(ed25519Verify(rawPublicKeyFromVirgil(card.publicKey), signed, m.signature)).toBe(false);
    expect(virgilVerify(device.signingPublicKey, signed, m.signature)).toBe(false);
    // virgil's own verifier, with the raw signature and with it wrapped in virgil's DER form
    const virgilAccepts = (data: Uint8Array, sig: Uint8Array): boolean => {
      try {
        return vc.verifySignature(data, sig, card.publicKey);
      } catch {
        return false; // "Signature format is corrupted": not a valid signature either
      }
    };
    const der = new Uint8Array([...Buffer.from('3051300d060960864801650304020305000440', 'hex'), ...m.signature]);
    for (const data of [signed, msg, m.ciphertext]) {
      expect(virgilAccepts(data, m.signature)).toBe(false);
      expect(virgilAccepts(data, der)).toBe(false);
    }
    // and the ephemeral key is not a card key: it is fresh per sender key
    expect(toHex(key.signingKey.publicKey)).not.toBe(toHex(device.signingPublicKey));
  });
});

describe('serialisation', () => {
  it('outbound and inbound keys round-trip and keep working', async () => {
    const { sender, receivers } = await group(1);
    const r = receivers[0]!;
    const m0 = await encryptGroupMessage(sender.store, CONV, utf8('m0'), BINDING);
    const m1 = await encryptGroupMessage(sender.store, CONV, utf8('m1'), BINDING);
    await decryptGroupMessage(r.store, CONV, m1, BINDING); // leaves a skipped key for m0
    const out = (await sender.store.loadOutbound(CONV))!;
    expect(deserialiseOutbound(serialiseOutbound(out))).toEqual(out);
    const keyId = parseGroupMessage(m0).keyId;
    const inb = (await r.store.findInbound(keyId))[0]!;
    const back = deserialiseInbound(serialiseInbound(inb));
    expect(back).toEqual(inb);
    await sender.store.saveOutbound(deserialiseOutbound(serialiseOutbound(out)));
    await r.store.saveInbound(back);
    expect(text((await decryptGroupMessage(r.store, CONV, m0, BINDING)).plaintext)).toBe('m0');
    const m2 = await encryptGroupMessage(sender.store, CONV, utf8('m2'), BINDING);
    expect(text((await decryptGroupMessage(r.store, CONV, m2, BINDING)).plaintext)).toBe('m2');
    expect(() => deserialiseInbound(serialiseInbound(inb).replace('"version":1', '"version":9'))).toThrow();
  });
});

describe('a whole region under one key (senderKeyDecryptMany)', () => {
  /** An outbound key, its inbound twin and `n` encrypted messages, parsed. */
  function region(n: number, binding = BINDING) {
    let out = createOutboundSenderKey(CONV, T0);
    const inbound = inboundFromDistribution(parseDistribution(distributionOf(out)), cardId(), T0);
    const messages: GroupMessage[] = [];
    for (let i = 0; i < n; i++) {
      const sent = senderKeyEncrypt(out, utf8(`m${i}`), binding);
      out = sent.outbound;
      messages.push(parseGroupMessage(sent.message));
    }
    return { out, inbound, messages };
  }
  const forge = (m: GroupMessage): GroupMessage => {
    const signature = m.signature.slice();
    signature[7]! ^= 1;
    return { ...m, signature };
  };
  /** The reference: senderKeyDecrypt on each in turn, keeping the key of each success. */
  function oneByOne(key: InboundSenderKey, messages: readonly GroupMessage[], binding = BINDING) {
    const results = messages.map((m) => {
      try {
        const r = senderKeyDecrypt(key, m, binding);
        key = r.inbound;
        return text(r.plaintext);
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    return { key, results };
  }
  const shown = (r: GroupOpenResult[]) => r.map((x) => (x.ok ? text(x.plaintext) : (x.error as { code: string }).code));

  it('a bad signature in the middle fails alone (Tampered) and does not move the key; the genuine copy opens later', async () => {
    const { inbound, messages } = region(4);
    const batch = [messages[0]!, forge(messages[1]!), messages[2]!, messages[3]!];
    const many = await senderKeyDecryptMany(inbound, batch, BINDING);
    expect(shown(many.results)).toEqual(['m0', ErrorCode.Tampered, 'm2', 'm3']);
    const ref = oneByOne(inbound, batch);
    expect(serialiseInbound(many.inbound)).toBe(serialiseInbound(ref.key));
    expect(text(senderKeyDecrypt(many.inbound, messages[1]!, BINDING).plaintext)).toBe('m1');
  });

  it('another key id, another binding or a forged message changes nothing for the others', async () => {
    const a = region(3);
    const b = region(1);
    const mixed = [a.messages[2]!, b.messages[0]!, a.messages[0]!, forge(a.messages[1]!)];
    const many = await senderKeyDecryptMany(a.inbound, mixed, BINDING);
    expect(shown(many.results)).toEqual(['m2', ErrorCode.Tampered, 'm0', ErrorCode.Tampered]);
    expect(serialiseInbound(many.inbound)).toBe(serialiseInbound(oneByOne(a.inbound, mixed).key));
    const wrongBinding = await senderKeyDecryptMany(a.inbound, a.messages, utf8('another binding'));
    expect(shown(wrongBinding.results)).toEqual([ErrorCode.Tampered, ErrorCode.Tampered, ErrorCode.Tampered]);
    expect(wrongBinding.inbound).toEqual(a.inbound);
  });

  it('any order, duplicates, gaps and forgeries: the same results and final key as one message at a time', async () => {
    const { inbound, messages } = region(12);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(11), fc.boolean()), { maxLength: 20 }), async (picks) => {
        const batch = picks.map(([i, forged]) => (forged ? forge(messages[i]!) : messages[i]!));
        const many = await senderKeyDecryptMany(inbound, batch, BINDING);
        const ref = oneByOne(inbound, batch);
        expect(shown(many.results)).toEqual(ref.results);
        expect(serialiseInbound(many.inbound)).toBe(serialiseInbound(ref.key));
      }),
      { numRuns: 60 },
    );
  });
});
