/**
 * The Double Ratchet state of one session and its two operations, as pure functions:
 * `ratchetEncrypt(state, ...)` and `ratchetDecrypt(state, ...)` return a *new* state; the input
 * is never modified, so a failed decrypt (bad tag, duplicate, gap too big) leaves the caller's
 * state exactly as it was. Byte arrays inside a state are treated as immutable and shared.
 *
 * Limits (named, checked before any expensive work):
 *  - MAX_MESSAGE_GAP: how far one message may jump ahead in a chain (keys derived and stored
 *    for the skipped ones). Bigger gaps fail with TooBigMessageGap; each skipped key costs two
 *    HMACs, so the work per message is bounded (~2,000 x 2 HMAC ~ 30 ms worst case here).
 *  - MAX_SKIPPED_KEYS: skipped message keys kept per session (oldest dropped first).
 *  - MAX_RECEIVER_CHAINS: receiving chains kept; older ones are retired, but their undelivered
 *    messages still decrypt from the skipped keys stored when the chain ended.
 * libsignal uses 25,000 / 2,000 / 5; chat lines through a mailbox rarely skip more than a few,
 * and a smaller jump bound keeps a forged header from costing much.
 *
 * Example:
 * ```ts
 * let alice = initInitiatorState(sk, bobSignedPrekeyPublic);
 * let bob = initResponderState(sk, bobSignedPrekeyPair);
 * const sent = ratchetEncrypt(alice, utf8('hi'), ad, binding); alice = sent.state;
 * const got = ratchetDecrypt(bob, sent.message, ad, binding);  bob = got.state; // got.plaintext
 * ```
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import {
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  concatBytes,
  constantTimeEqual,
  x25519,
  x25519GenerateKeyPair,
  type KeyPair,
} from '../crypto/primitives';
import { kdfCk, kdfRk, messageKeyMaterial } from './kdf';
import { encodeRatchetHeader, encodeRatchetMessage, type RatchetMessage } from './message';

export const MAX_MESSAGE_GAP = 2000;
export const MAX_SKIPPED_KEYS = 2000;
export const MAX_RECEIVER_CHAINS = 5;
/** Ratchet keys of dropped receiving chains remembered to tell "old" from "new" messages. */
export const MAX_RETIRED_RATCHET_KEYS = 50;
/** Counters are u32 on the wire; stop well before they could wrap. */
export const MAX_CHAIN_LENGTH = 0xffff_0000;

export interface SendingChain {
  readonly chainKey: Uint8Array;
  /** Number of the next message to send (N). */
  readonly index: number;
}

export interface ReceiverChain {
  readonly ratchetKey: Uint8Array;
  readonly chainKey: Uint8Array;
  /** Number of the next message expected in this chain (Nr). */
  readonly index: number;
}

export interface SkippedMessageKey {
  readonly ratchetKey: Uint8Array;
  readonly index: number;
  readonly messageKey: Uint8Array;
}

export interface RatchetState {
  readonly rootKey: Uint8Array;
  /** Our current ratchet key pair (DHs). */
  readonly sendingKey: KeyPair;
  /** Null for a responder until the first message arrives. */
  readonly sendingChain: SendingChain | null;
  /** PN: length of our previous sending chain. */
  readonly previousCounter: number;
  /** Newest first; at most MAX_RECEIVER_CHAINS. */
  readonly receiverChains: readonly ReceiverChain[];
  readonly retiredRatchetKeys: readonly Uint8Array[];
  /** Oldest first; at most MAX_SKIPPED_KEYS. */
  readonly skippedKeys: readonly SkippedMessageKey[];
}

/** Alice, after X3DH: first DH ratchet step against Bob's signed prekey. */
export function initInitiatorState(sharedSecret: Uint8Array, remoteRatchetKey: Uint8Array, sendingKey: KeyPair = x25519GenerateKeyPair()): RatchetState {
  const { rootKey, chainKey } = kdfRk(sharedSecret, x25519(sendingKey.privateKey, remoteRatchetKey));
  return {
    rootKey,
    sendingKey,
    sendingChain: { chainKey, index: 0 },
    previousCounter: 0,
    receiverChains: [],
    retiredRatchetKeys: [],
    skippedKeys: [],
  };
}

/** Bob, after X3DH: his signed prekey pair is his first ratchet key. */
export function initResponderState(sharedSecret: Uint8Array, signedPrekey: KeyPair): RatchetState {
  return {
    rootKey: sharedSecret,
    sendingKey: signedPrekey,
    sendingChain: null,
    previousCounter: 0,
    receiverChains: [],
    retiredRatchetKeys: [],
    skippedKeys: [],
  };
}

function associatedData(ad: Uint8Array, prefix: Uint8Array, headerBytes: Uint8Array, binding: Uint8Array): Uint8Array {
  return concatBytes(ad, prefix, headerBytes, binding);
}

/** Encrypts one message; `prefix` is the session-start prefix when one is sent, else empty. */
export function ratchetEncrypt(
  state: RatchetState,
  plaintext: Uint8Array,
  ad: Uint8Array,
  binding: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
): { state: RatchetState; message: Uint8Array } {
  const chain = state.sendingChain;
  if (!chain) fail(ErrorCode.NoSessionForDevice, 'session cannot send before it has received a message');
  if (chain.index >= MAX_CHAIN_LENGTH) fail(ErrorCode.TooLarge, 'sending chain exhausted');
  const { chainKey, messageKey } = kdfCk(chain.chainKey);
  const headerBytes = encodeRatchetHeader({
    ratchetKey: state.sendingKey.publicKey,
    previousCounter: state.previousCounter,
    counter: chain.index,
  });
  const { key, nonce } = messageKeyMaterial(messageKey);
  const ciphertext = aes256GcmEncrypt(key, nonce, plaintext, associatedData(ad, prefix, headerBytes, binding));
  return {
    state: { ...state, sendingChain: { chainKey, index: chain.index + 1 } },
    message: encodeRatchetMessage(headerBytes, ciphertext),
  };
}

/** Mutable working copy used inside one decrypt; discarded unless the AEAD verifies. */
interface Draft {
  rootKey: Uint8Array;
  sendingKey: KeyPair;
  sendingChain: SendingChain | null;
  previousCounter: number;
  receiverChains: ReceiverChain[];
  retiredRatchetKeys: Uint8Array[];
  skippedKeys: SkippedMessageKey[];
}

const same = (a: Uint8Array, b: Uint8Array): boolean => constantTimeEqual(a, b);

/** How the state relates to a message's ratchet key, decided before any DH work. */
export function classifyRatchetKey(state: RatchetState, ratchetKey: Uint8Array): 'known' | 'retired' | 'new' {
  if (state.receiverChains.some((c) => same(c.ratchetKey, ratchetKey))) return 'known';
  if (state.skippedKeys.some((k) => same(k.ratchetKey, ratchetKey))) return 'known';
  if (state.retiredRatchetKeys.some((k) => same(k, ratchetKey))) return 'retired';
  return 'new';
}

function gapError(gap: number): never {
  return fail(ErrorCode.TooBigMessageGap, `message is ${gap} ahead of its chain (max ${MAX_MESSAGE_GAP})`, {
    gap,
    max: MAX_MESSAGE_GAP,
  });
}

/** Derives and stores keys for messages [chain.index, until) of a receiving chain. */
function skipTo(draft: Draft, chainPos: number, until: number): void {
  let chain = draft.receiverChains[chainPos]!;
  if (until - chain.index > MAX_MESSAGE_GAP) gapError(until - chain.index);
  while (chain.index < until) {
    const { chainKey, messageKey } = kdfCk(chain.chainKey);
    draft.skippedKeys.push({ ratchetKey: chain.ratchetKey, index: chain.index, messageKey });
    chain = { ...chain, chainKey, index: chain.index + 1 };
  }
  draft.receiverChains[chainPos] = chain;
  if (draft.skippedKeys.length > MAX_SKIPPED_KEYS) draft.skippedKeys.splice(0, draft.skippedKeys.length - MAX_SKIPPED_KEYS);
}

function dhRatchetStep(draft: Draft, remoteRatchetKey: Uint8Array): void {
  const receiving = kdfRk(draft.rootKey, x25519(draft.sendingKey.privateKey, remoteRatchetKey));
  const sendingKey = x25519GenerateKeyPair();
  const sending = kdfRk(receiving.rootKey, x25519(sendingKey.privateKey, remoteRatchetKey));
  draft.previousCounter = draft.sendingChain?.index ?? 0;
  draft.rootKey = sending.rootKey;
  draft.sendingKey = sendingKey;
  draft.sendingChain = { chainKey: sending.chainKey, index: 0 };
  draft.receiverChains.unshift({ ratchetKey: remoteRatchetKey, chainKey: receiving.chainKey, index: 0 });
  while (draft.receiverChains.length > MAX_RECEIVER_CHAINS) {
    const dropped = draft.receiverChains.pop()!;
    draft.retiredRatchetKeys.push(dropped.ratchetKey);
  }
  if (draft.retiredRatchetKeys.length > MAX_RETIRED_RATCHET_KEYS) {
    draft.retiredRatchetKeys.splice(0, draft.retiredRatchetKeys.length - MAX_RETIRED_RATCHET_KEYS);
  }
}

/**
 * Decrypts one ratchet message. Throws (state untouched): DuplicateMessage (already decrypted,
 * or its stored key was dropped by MAX_SKIPPED_KEYS), TooBigMessageGap, Tampered.
 */
export function ratchetDecrypt(
  state: RatchetState,
  message: RatchetMessage,
  ad: Uint8Array,
  binding: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
): { state: RatchetState; plaintext: Uint8Array; newChain: boolean } {
  const { ratchetKey, counter, previousCounter } = message.header;
  const draft: Draft = {
    ...state,
    receiverChains: [...state.receiverChains],
    retiredRatchetKeys: [...state.retiredRatchetKeys],
    skippedKeys: [...state.skippedKeys],
  };
  const aad = associatedData(ad, prefix, message.headerBytes, binding);
  const open = (messageKey: Uint8Array): Uint8Array => {
    const { key, nonce } = messageKeyMaterial(messageKey);
    return aes256GcmDecrypt(key, nonce, message.ciphertext, aad);
  };

  // 1. A key we stored for a skipped message.
  const skippedAt = draft.skippedKeys.findIndex((k) => k.index === counter && same(k.ratchetKey, ratchetKey));
  if (skippedAt >= 0) {
    const plaintext = open(draft.skippedKeys[skippedAt]!.messageKey);
    draft.skippedKeys.splice(skippedAt, 1);
    return { state: draft, plaintext, newChain: false };
  }

  // 2. A chain we know: behind it means already read (or its key was dropped); ahead means skip.
  const chainPos = draft.receiverChains.findIndex((c) => same(c.ratchetKey, ratchetKey));
  if (chainPos >= 0) {
    const chain = draft.receiverChains[chainPos]!;
    if (counter < chain.index) fail(ErrorCode.DuplicateMessage, 'message already decrypted', { counter });
    skipTo(draft, chainPos, counter);
    return { state: draft, plaintext: decryptNext(draft, chainPos, open), newChain: false };
  }
  if (draft.retiredRatchetKeys.some((k) => same(k, ratchetKey))) {
    // A retired chain was complete when it retired (every key derived or used), so a message
    // without a stored key was already decrypted (or its key was dropped by MAX_SKIPPED_KEYS).
    fail(ErrorCode.DuplicateMessage, 'message from a retired chain without a stored key');
  }

  // 3. A new ratchet key: finish the current chain up to PN, step the ratchet, then skip to N.
  const current = draft.receiverChains[0];
  if (current && previousCounter - current.index > MAX_MESSAGE_GAP) gapError(previousCounter - current.index);
  if (counter > MAX_MESSAGE_GAP) gapError(counter);
  if (current && previousCounter > current.index) skipTo(draft, 0, previousCounter);
  dhRatchetStep(draft, ratchetKey);
  skipTo(draft, 0, counter);
  return { state: draft, plaintext: decryptNext(draft, 0, open), newChain: true };
}

function decryptNext(draft: Draft, chainPos: number, open: (mk: Uint8Array) => Uint8Array): Uint8Array {
  const chain = draft.receiverChains[chainPos]!;
  const { chainKey, messageKey } = kdfCk(chain.chainKey);
  const plaintext = open(messageKey);
  draft.receiverChains[chainPos] = { ...chain, chainKey, index: chain.index + 1 };
  return plaintext;
}

/** True if `e` is one of the errors ratchetDecrypt throws for a message that is not for this state. */
export function isNotForThisState(e: unknown): boolean {
  return e instanceof OvercryptError && (e.code === ErrorCode.Tampered || e.code === ErrorCode.Malformed);
}
