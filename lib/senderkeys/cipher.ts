/**
 * Sender keys with storage: the operations the service worker calls.
 *
 *  - `prepareOutbound`: the conversation's outbound key, created or rotated as needed; when
 *    `distribution` is returned, send it to every other device of the conversation (and our own
 *    other devices) over the pairwise ratchet *before* the first group message under that key.
 *  - `rotateOutbound`: force a new key (membership change: someone left or was removed).
 *  - `encryptGroupMessage` / `decryptGroupMessage`: one ciphertext for all devices.
 *  - `receiveDistribution`: store a key delivered by an authenticated pairwise peer.
 *
 * Example (Alice sends to Bob and Carol):
 * ```ts
 * const { distribution } = await prepareOutbound(aliceKeys, conv, now);
 * if (distribution) for (const d of devices) await pairwiseSend(d, distribution); // lib/ratchet encryptTo
 * const msg = await encryptGroupMessage(aliceKeys, conv, utf8('hi'), binding);
 * // Bob, after his ratchet decrypted the distribution from Alice's card:
 * await receiveDistribution(bobKeys, aliceCardId, distribution, now);
 * const { plaintext, senderCardId } = await decryptGroupMessage(bobKeys, conv, msg, binding);
 * ```
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import { constantTimeEqual } from '../crypto/primitives';
import { parseDistribution, parseGroupMessage } from './message';
import {
  DEFAULT_ROTATION_POLICY,
  createOutboundSenderKey,
  distributionOf,
  inboundFromDistribution,
  senderKeyDecrypt,
  senderKeyEncrypt,
  shouldRotate,
  signedBy,
  type InboundSenderKey,
  type OutboundSenderKey,
  type RotationPolicy,
} from './senderkey';
import type { SenderKeyStore } from './store';

/** Inbound keys kept per (sender, conversation): the newest few, so late messages of a rotated key still open. */
export const MAX_INBOUND_KEYS_PER_SENDER = 4;

export async function prepareOutbound(
  store: SenderKeyStore,
  conversationId: string,
  now: number,
  policy: RotationPolicy = DEFAULT_ROTATION_POLICY,
): Promise<{ key: OutboundSenderKey; distribution: Uint8Array | null }> {
  const existing = await store.loadOutbound(conversationId);
  if (existing && !shouldRotate(existing, now, policy)) return { key: existing, distribution: null };
  return rotateOutbound(store, conversationId, now);
}

export async function rotateOutbound(store: SenderKeyStore, conversationId: string, now: number): Promise<{ key: OutboundSenderKey; distribution: Uint8Array }> {
  let key = createOutboundSenderKey(conversationId, now);
  const old = await store.loadOutbound(conversationId);
  while (old && old.keyId === key.keyId) key = createOutboundSenderKey(conversationId, now);
  await store.saveOutbound(key);
  return { key, distribution: distributionOf(key) };
}

/** Encrypts with the conversation's outbound key; UnknownSenderKey if `prepareOutbound` was not called. */
export async function encryptGroupMessage(store: SenderKeyStore, conversationId: string, plaintext: Uint8Array, binding: Uint8Array): Promise<Uint8Array> {
  const key = await store.loadOutbound(conversationId);
  if (!key) fail(ErrorCode.UnknownSenderKey, 'no outbound sender key for this conversation');
  const out = senderKeyEncrypt(key, plaintext, binding);
  await store.saveOutbound(out.outbound);
  return out.message;
}

/**
 * Stores a distribution that the pairwise session with `senderCardId` decrypted. A repeat of a
 * key we hold changes nothing (it must not rewind the chain); the same id with another signing
 * key is Conflict. Keeps the newest MAX_INBOUND_KEYS_PER_SENDER keys per sender and conversation.
 */
export async function receiveDistribution(
  store: SenderKeyStore,
  senderCardId: string,
  bytes: Uint8Array,
  now: number,
): Promise<{ conversationId: string; keyId: number; isNew: boolean }> {
  const d = parseDistribution(bytes);
  const existing = await store.loadInbound(senderCardId, d.keyId);
  if (existing) {
    const same = constantTimeEqual(existing.signingPublicKey, d.signingPublicKey) && existing.conversationId === d.conversationId;
    if (!same) fail(ErrorCode.Conflict, 'sender key id reused with another key');
    return { conversationId: d.conversationId, keyId: d.keyId, isNew: false };
  }
  const key = inboundFromDistribution(d, senderCardId, now);
  await store.saveInbound(key);
  const all = await store.listInbound(senderCardId, d.conversationId);
  const stale = all.sort((a, b) => b.receivedAt - a.receivedAt).slice(MAX_INBOUND_KEYS_PER_SENDER);
  for (const k of stale) if (k.keyId !== key.keyId) await store.deleteInbound(k.senderCardId, k.keyId);
  return { conversationId: d.conversationId, keyId: d.keyId, isNew: true };
}

export interface GroupDecryptResult {
  readonly plaintext: Uint8Array;
  /** The sender device, as established by the pairwise session that delivered the key. */
  readonly senderCardId: string;
  readonly keyId: number;
  readonly iteration: number;
}

/**
 * Decrypts a group message for `conversationId`. Errors (stores unchanged): Malformed,
 * UnsupportedVersion, UnknownSenderKey (no key with that id: ask the sender for a distribution),
 * HeaderMismatch (the key belongs to another conversation), Tampered, DuplicateMessage,
 * MissingMessageKey (sent before we were given the key), TooBigMessageGap.
 */
export async function decryptGroupMessage(
  store: SenderKeyStore,
  conversationId: string,
  bytes: Uint8Array,
  binding: Uint8Array,
): Promise<GroupDecryptResult> {
  const m = parseGroupMessage(bytes);
  const candidates = await store.findInbound(m.keyId);
  if (candidates.length === 0) fail(ErrorCode.UnknownSenderKey, 'no sender key with this id', { keyId: m.keyId });
  // Ids are random: more than one candidate is rare; the signature tells them apart.
  const key: InboundSenderKey | undefined = candidates.length === 1 ? candidates[0] : candidates.find((k) => signedBy(k, m, binding));
  if (!key) fail(ErrorCode.Tampered, 'group message signature does not verify');
  if (key.conversationId !== conversationId) {
    // Only an authentic message is reported as misplaced; anything else is simply not genuine.
    if (!signedBy(key, m, binding)) fail(ErrorCode.Tampered, 'group message signature does not verify');
    fail(ErrorCode.HeaderMismatch, 'group message belongs to another conversation');
  }
  try {
    const out = senderKeyDecrypt(key, m, binding);
    await store.saveInbound(out.inbound);
    return { plaintext: out.plaintext, senderCardId: key.senderCardId, keyId: key.keyId, iteration: m.iteration };
  } catch (e) {
    if (e instanceof OvercryptError) throw e;
    throw new OvercryptError(ErrorCode.Internal, 'group decrypt failed');
  }
}
