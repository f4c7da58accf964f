/**
 * Sender keys as plain data + pure functions (Signal Sender Keys / Megolm model).
 *
 * Each sending device has, per conversation, an *outbound* sender key: a random key id, a
 * symmetric chain (chain key + iteration; message key = HMAC(ck, 0x01), next ck = HMAC(ck, 0x02))
 * and an ephemeral Ed25519 signing key pair. Every other device of the conversation holds the
 * matching *inbound* key, received as a distribution over the pairwise ratchet, and indexed by
 * the authenticated pairwise peer that delivered it and the key id. A group message is encrypted
 * once with AES-256-GCM under the next message key and signed with the signing key, so its size
 * does not depend on the number of devices.
 *
 * The signing key is ephemeral and travels only inside pairwise (deniable) sessions: a group
 * message proves authorship to members but verifies under no long-term card key.
 *
 * Limits: MAX_SENDER_KEY_GAP (forward jump per message), MAX_SENDER_SKIPPED_KEYS (stored keys
 * for late messages per inbound key), MAX_ITERATION (rotate long before u32 wraps).
 *
 * Example:
 * ```ts
 * let out = createOutboundSenderKey('irc:libera/#overcrypt', now);          // Alice
 * const dist = distributionOf(out);                                         // send to Bob pairwise
 * let bobIn = inboundFromDistribution(parseDistribution(dist), aliceCardId, now); // Bob
 * const sent = senderKeyEncrypt(out, utf8('hi all'), binding); out = sent.outbound;
 * const got = senderKeyDecrypt(bobIn, parseGroupMessage(sent.message), binding); bobIn = got.inbound;
 * ```
 */
import { ErrorCode, fail } from '../errors';
import {
  AES256_KEY_LEN,
  assertBytes,
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  concatBytes,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519Verifier,
  hkdfSha256,
  hmacSha256,
  randomBytes,
  utf8,
  type KeyPair,
} from '../crypto/primitives';
import {
  encodeDistribution,
  encodeGroupHeader,
  encodeGroupMessage,
  groupSignedBytes,
  type Distribution,
  type GroupMessage,
} from './message';

export const SENDER_KEY_VERSION = 1;
export const MAX_SENDER_KEY_GAP = 2000;
export const MAX_SENDER_SKIPPED_KEYS = 500;
export const MAX_ITERATION = 0xffff_0000;
export const MAX_GROUP_PLAINTEXT_BYTES = 64 * 1024;
export const MAX_GROUP_BINDING_BYTES = 4096;
const MK_INFO = utf8('Overcrypt SenderKey MK v1');
const ZERO_SALT = new Uint8Array(32);

/** When to replace an outbound key even without a membership change (Megolm's defaults). */
export interface RotationPolicy {
  readonly maxMessages: number;
  readonly maxAgeMs: number;
}
export const DEFAULT_ROTATION_POLICY: RotationPolicy = { maxMessages: 100, maxAgeMs: 7 * 24 * 3600 * 1000 };

export interface OutboundSenderKey {
  readonly version: typeof SENDER_KEY_VERSION;
  readonly conversationId: string;
  readonly keyId: number;
  /** Iteration of the next message. */
  readonly iteration: number;
  /** Chain key for `iteration`. Secret. */
  readonly chainKey: Uint8Array;
  /** Ephemeral Ed25519 key pair. Secret. */
  readonly signingKey: KeyPair;
  readonly createdAt: number;
  readonly messagesSent: number;
}

export interface InboundSenderKey {
  readonly version: typeof SENDER_KEY_VERSION;
  readonly conversationId: string;
  /** The authenticated pairwise peer (card id) that delivered this key: the sender. */
  readonly senderCardId: string;
  readonly keyId: number;
  /** The iteration the distribution started at: earlier messages were never ours to read. */
  readonly firstIteration: number;
  /** Next iteration expected. */
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  /** Keys for skipped iterations, oldest first. */
  readonly skipped: readonly { readonly iteration: number; readonly messageKey: Uint8Array }[];
  readonly receivedAt: number;
}

function chainStep(chainKey: Uint8Array): { messageKey: Uint8Array; chainKey: Uint8Array } {
  return { messageKey: hmacSha256(chainKey, Uint8Array.of(0x01)), chainKey: hmacSha256(chainKey, Uint8Array.of(0x02)) };
}

function aeadKeys(messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = hkdfSha256(messageKey, ZERO_SALT, MK_INFO, 44);
  return { key: out.slice(0, AES256_KEY_LEN), nonce: out.slice(AES256_KEY_LEN) };
}

function aad(headerBytes: Uint8Array, binding: Uint8Array): Uint8Array {
  return concatBytes(headerBytes, binding);
}

function checkConversationId(conversationId: string): void {
  if (typeof conversationId !== 'string' || conversationId.length === 0 || utf8(conversationId).length > 512) {
    fail(ErrorCode.Malformed, 'bad conversation id');
  }
}

/** A fresh outbound key with a random id (call again to rotate). */
export function createOutboundSenderKey(conversationId: string, now: number): OutboundSenderKey {
  checkConversationId(conversationId);
  const id = new DataView(randomBytes(4).buffer).getUint32(0, false);
  return {
    version: SENDER_KEY_VERSION,
    conversationId,
    keyId: id,
    iteration: 0,
    chainKey: randomBytes(32),
    signingKey: ed25519GenerateKeyPair(),
    createdAt: now,
    messagesSent: 0,
  };
}

/** True when the key should be replaced (too many messages, too old, or near the counter end). */
export function shouldRotate(key: OutboundSenderKey, now: number, policy: RotationPolicy = DEFAULT_ROTATION_POLICY): boolean {
  return key.messagesSent >= policy.maxMessages || now - key.createdAt >= policy.maxAgeMs || key.iteration >= MAX_ITERATION;
}

/** The distribution for the key's *current* state: receivers can read from `iteration` on only. */
export function distributionOf(key: OutboundSenderKey): Uint8Array {
  return encodeDistribution({
    keyId: key.keyId,
    iteration: key.iteration,
    chainKey: key.chainKey,
    signingPublicKey: key.signingKey.publicKey,
    conversationId: key.conversationId,
  });
}

function checkSizes(plaintext: Uint8Array, binding: Uint8Array): void {
  assertBytes(plaintext, 'plaintext');
  assertBytes(binding, 'binding');
  if (plaintext.length > MAX_GROUP_PLAINTEXT_BYTES) fail(ErrorCode.TooLarge, 'message too large');
  if (binding.length > MAX_GROUP_BINDING_BYTES) fail(ErrorCode.TooLarge, 'binding header too large');
}

export function senderKeyEncrypt(
  key: OutboundSenderKey,
  plaintext: Uint8Array,
  binding: Uint8Array,
): { outbound: OutboundSenderKey; message: Uint8Array } {
  checkSizes(plaintext, binding);
  if (key.iteration >= MAX_ITERATION) fail(ErrorCode.TooLarge, 'sender key exhausted: rotate it');
  const { messageKey, chainKey } = chainStep(key.chainKey);
  const headerBytes = encodeGroupHeader(key.keyId, key.iteration);
  const { key: aesKey, nonce } = aeadKeys(messageKey);
  const ciphertext = aes256GcmEncrypt(aesKey, nonce, plaintext, aad(headerBytes, binding));
  const signature = ed25519Sign(key.signingKey.privateKey, groupSignedBytes(headerBytes, binding, ciphertext));
  return {
    outbound: { ...key, iteration: key.iteration + 1, chainKey, messagesSent: key.messagesSent + 1 },
    message: encodeGroupMessage({ keyId: key.keyId, iteration: key.iteration, ciphertext, signature }),
  };
}

/** The inbound key for a distribution delivered by the authenticated pairwise peer `senderCardId`. */
export function inboundFromDistribution(d: Distribution, senderCardId: string, now: number): InboundSenderKey {
  checkConversationId(d.conversationId);
  if (d.iteration >= MAX_ITERATION) fail(ErrorCode.Malformed, 'distribution iteration out of range');
  return {
    version: SENDER_KEY_VERSION,
    conversationId: d.conversationId,
    senderCardId,
    keyId: d.keyId,
    firstIteration: d.iteration,
    iteration: d.iteration,
    chainKey: d.chainKey,
    signingPublicKey: d.signingPublicKey,
    skipped: [],
    receivedAt: now,
  };
}

/** True if the message's signature verifies under this inbound key (cheap candidate check). */
export function signedBy(key: InboundSenderKey, m: GroupMessage, binding: Uint8Array): boolean {
  return m.keyId === key.keyId && ed25519Verify(key.signingPublicKey, groupSignedBytes(m.headerBytes, binding, m.ciphertext), m.signature);
}

/**
 * Decrypts with an inbound key; returns the advanced key. Errors (key unchanged): Tampered
 * (signature or AEAD), DuplicateMessage, MissingMessageKey (sent before the key was shared with
 * us, e.g. a member added later), TooBigMessageGap.
 */
export function senderKeyDecrypt(
  key: InboundSenderKey,
  m: GroupMessage,
  binding: Uint8Array,
): { inbound: InboundSenderKey; plaintext: Uint8Array } {
  checkSizes(new Uint8Array(0), binding);
  if (!signedBy(key, m, binding)) fail(ErrorCode.Tampered, 'group message signature does not verify');
  return openVerified(key, m, binding);
}

/** One message's outcome in senderKeyDecryptMany. */
export type GroupOpenResult = { ok: true; plaintext: Uint8Array } | { ok: false; error: unknown };

/**
 * `senderKeyDecrypt` over many messages under one inbound key (a display region), in the order given: the same
 * results and final key as calling it on each in turn and keeping the key of each success. Faster: every signature
 * is checked together on the platform's WebCrypto where it has Ed25519 (ed25519VerifyMany, off the JS thread in
 * Chromium) WHILE the chain steps and AEAD opens run; a plaintext is only returned once its signature is known
 * good. If any signature fails, the run is redone from the start with that message refused (Tampered), so a bad
 * message never moves the key.
 */
export async function senderKeyDecryptMany(
  key: InboundSenderKey,
  messages: readonly GroupMessage[],
  binding: Uint8Array,
): Promise<{ inbound: InboundSenderKey; results: GroupOpenResult[] }> {
  checkSizes(new Uint8Array(0), binding);
  const check = await ed25519Verifier(key.signingPublicKey);
  // Started now, answered on the crypto thread while the loop below runs on this one.
  const verdicts = Promise.all(messages.map((m) => check(groupSignedBytes(m.headerBytes, binding, m.ciphertext), m.signature)));
  const run = (signed: (i: number) => boolean) => {
    let inbound = key;
    const results = messages.map((m, i): GroupOpenResult => {
      try {
        if (m.keyId !== key.keyId || !signed(i)) fail(ErrorCode.Tampered, 'group message signature does not verify');
        const out = openVerified(inbound, m, binding);
        inbound = out.inbound;
        return { ok: true, plaintext: out.plaintext };
      } catch (error) {
        return { ok: false, error };
      }
    });
    return { inbound, results };
  };
  const optimistic = run(() => true); // nothing leaves this function before the verdicts are in
  const valid = await verdicts;
  return valid.every(Boolean) ? optimistic : run((i) => valid[i]!);
}

/** senderKeyDecrypt after the signature check: the chain step (or skipped key) and the AEAD open. */
function openVerified(key: InboundSenderKey, m: GroupMessage, binding: Uint8Array): { inbound: InboundSenderKey; plaintext: Uint8Array } {
  const open = (messageKey: Uint8Array): Uint8Array => {
    const { key: aesKey, nonce } = aeadKeys(messageKey);
    return aes256GcmDecrypt(aesKey, nonce, m.ciphertext, aad(m.headerBytes, binding));
  };

  if (m.iteration < key.firstIteration) {
    fail(ErrorCode.MissingMessageKey, 'group message is older than the sender key we were given', { iteration: m.iteration });
  }
  if (m.iteration < key.iteration) {
    const at = key.skipped.findIndex((s) => s.iteration === m.iteration);
    if (at < 0) fail(ErrorCode.DuplicateMessage, 'group message already decrypted (or too old)', { iteration: m.iteration });
    const plaintext = open(key.skipped[at]!.messageKey);
    return { inbound: { ...key, skipped: key.skipped.filter((_, i) => i !== at) }, plaintext };
  }

  const gap = m.iteration - key.iteration;
  if (gap > MAX_SENDER_KEY_GAP) {
    fail(ErrorCode.TooBigMessageGap, `group message is ${gap} ahead (max ${MAX_SENDER_KEY_GAP})`, { gap, max: MAX_SENDER_KEY_GAP });
  }
  const skipped = [...key.skipped];
  let chainKey = key.chainKey;
  for (let i = key.iteration; i < m.iteration; i++) {
    const step = chainStep(chainKey);
    skipped.push({ iteration: i, messageKey: step.messageKey });
    chainKey = step.chainKey;
  }
  const step = chainStep(chainKey);
  const plaintext = open(step.messageKey);
  return {
    inbound: { ...key, iteration: m.iteration + 1, chainKey: step.chainKey, skipped: skipped.slice(-MAX_SENDER_SKIPPED_KEYS) },
    plaintext,
  };
}
