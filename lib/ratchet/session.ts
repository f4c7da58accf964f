/**
 * Sessions between two devices, and the record that holds all sessions with one peer device.
 *
 * A `Session` is one X3DH + Double Ratchet run. A `SessionRecord` (one per peer card) holds the
 * current session (used to send), up to MAX_PREVIOUS_SESSIONS older ones (still used to decrypt
 * late messages), the base keys already seen, and recent reset times. Everything is plain data;
 * the functions here are pure and return new records (`decryptWithRecord` is async only because
 * it may read private prekeys through the callback you pass).
 *
 * Rules:
 *  - The initiator sends session-start messages (X3DH data + first ratchet message) until it
 *    decrypts a reply on that session.
 *  - A session-start whose base key belongs to a session we hold is decrypted by that session
 *    (a replay is then DuplicateMessage and changes nothing). A base key seen before whose session
 *    is gone is DuplicateMessage: a base key never starts a second session.
 *  - Simultaneous initiation: if our current session is one we initiated and no reply has arrived
 *    yet, and the peer's session-start arrives, both sides keep the session with the smaller base
 *    key (byte order) as current; the other stays decryptable. The directory mailbox delivers a
 *    sender's envelopes in order, so both sides see the same pair and converge.
 *  - Self-healing: an authenticated session-start (its first message decrypts) with a new base
 *    key replaces an established current session (the peer lost or reset its state), at most
 *    MAX_RESETS_PER_WINDOW times per RESET_WINDOW_MS per peer; beyond that RateLimited, nothing
 *    changes and the envelope can be retried later.
 *  - Nothing changes unless the message decrypted.
 *
 * Example:
 * ```ts
 * let a = addInitiatedSession(emptyRecord(bob.cardId), createInitiatorSession(alice, bundle, now));
 * const sent = encryptWithRecord(a, utf8('hi'), binding); a = sent.record;
 * const got = await decryptWithRecord(undefined, sent.message,
 *   { self: bob, peer: aliceDevice, resolvePrekeys: (s, o) => lookup(s, o) }, binding, now);
 * // got.plaintext, got.record (Bob's new record), got.consumedOneTimePrekeyId (delete it)
 * ```
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import { MAX_INPUT_LEN, assertBytes, constantTimeEqual, type KeyPair } from '../crypto/primitives';
import type { DeviceIdentity, RemoteDevice } from '../x3dh/identity';
import { assertDeviceIdentity, assertRemoteDevice } from '../x3dh/identity';
import type { StoredPrekey, VerifiedBundle } from '../x3dh/prekeys';
import { x3dhInitiate, x3dhRespond } from '../x3dh/agreement';
import { compareBytes, toHex } from './codec';
import { encodeSessionStartPrefix, parseMessage, type RatchetMessage, type SessionStart } from './message';
import { classifyRatchetKey, initInitiatorState, initResponderState, ratchetDecrypt, ratchetEncrypt, type RatchetState } from './state';

export const SESSION_RECORD_VERSION = 1;
export const MAX_PREVIOUS_SESSIONS = 3;
export const MAX_SEEN_BASE_KEYS = 200;
export const MAX_RESETS_PER_WINDOW = 3;
export const RESET_WINDOW_MS = 10 * 60 * 1000;
/** Envelopes are at most 64 KiB base64; plaintexts must fit with room for headers. */
export const MAX_PLAINTEXT_BYTES = 46 * 1024;
export const MAX_BINDING_BYTES = 4096;

export interface PendingStart {
  readonly signedPrekeyId: number;
  readonly oneTimePrekeyId: number | null;
}

export interface Session {
  readonly localCardId: string;
  readonly remote: RemoteDevice;
  readonly role: 'initiator' | 'responder';
  /** The initiator's X3DH ephemeral public key: identifies the session. */
  readonly baseKey: Uint8Array;
  /** X3DH AD (both card keys and card ids). */
  readonly associatedData: Uint8Array;
  /** Initiator only, until a reply arrives: what each session-start message carries. */
  readonly pendingStart: PendingStart | null;
  readonly ratchet: RatchetState;
  readonly createdAt: number;
}

export interface SessionRecord {
  readonly version: typeof SESSION_RECORD_VERSION;
  readonly remoteCardId: string;
  readonly current: Session | null;
  /** Newest first. */
  readonly previous: readonly Session[];
  /** Hex base keys of every session ever created with this peer (bounded, oldest dropped). */
  readonly seenBaseKeys: readonly string[];
  /** Times (ms) of accepted resets inside the current window. */
  readonly resetTimes: readonly number[];
}

/** What `decryptWithRecord` needs to answer a session-start: the private prekeys it names. */
export type ResolvePrekeys = (
  signedPrekeyId: number,
  oneTimePrekeyId: number | null,
) => Promise<{ signed: StoredPrekey | undefined; oneTime: StoredPrekey | undefined }>;

export interface DecryptContext {
  readonly self: DeviceIdentity;
  /** The peer device, from its verified card; must match the record and any session-start. */
  readonly peer: RemoteDevice;
  readonly resolvePrekeys: ResolvePrekeys;
}

export interface DecryptResult {
  readonly record: SessionRecord;
  readonly plaintext: Uint8Array;
  /** A one-time prekey this message used up: delete its private half once the record is saved. */
  readonly consumedOneTimePrekeyId: number | null;
  /** True when this message created a new session (first contact, reset, simultaneous start). */
  readonly sessionStarted: boolean;
}

/** A short public id for logs (never print sessions or records: they hold keys). */
export function sessionId(session: Session): string {
  return toHex(session.baseKey).slice(0, 16);
}

export function emptyRecord(remoteCardId: string): SessionRecord {
  return { version: SESSION_RECORD_VERSION, remoteCardId, current: null, previous: [], seenBaseKeys: [], resetTimes: [] };
}

/** Alice: a new session from a verified bundle (see lib/x3dh). `ephemeral` is for tests only. */
export function createInitiatorSession(self: DeviceIdentity, bundle: VerifiedBundle, now: number, ephemeral?: KeyPair): Session {
  const x = x3dhInitiate(self, bundle, ephemeral);
  return {
    localCardId: self.cardId,
    remote: { cardId: bundle.cardId, signingPublicKey: bundle.signingPublicKey },
    role: 'initiator',
    baseKey: x.baseKey.publicKey,
    associatedData: x.associatedData,
    pendingStart: { signedPrekeyId: x.signedPrekeyId, oneTimePrekeyId: x.oneTimePrekeyId },
    ratchet: initInitiatorState(x.sharedSecret, x.signedPrekeyPublic),
    createdAt: now,
  };
}

function remember(seen: readonly string[], baseKey: Uint8Array): string[] {
  const hex = toHex(baseKey);
  const next = seen.filter((k) => k !== hex);
  next.push(hex);
  return next.slice(-MAX_SEEN_BASE_KEYS);
}

function withPrevious(previous: readonly Session[], ...older: Session[]): Session[] {
  return [...older, ...previous].slice(0, MAX_PREVIOUS_SESSIONS);
}

/** Makes a session we initiated current (the old current stays decryptable). */
export function addInitiatedSession(record: SessionRecord, session: Session): SessionRecord {
  if (session.remote.cardId !== record.remoteCardId) fail(ErrorCode.HeaderMismatch, 'session is for another device');
  return {
    ...record,
    current: session,
    previous: record.current ? withPrevious(record.previous, record.current) : record.previous,
    seenBaseKeys: remember(record.seenBaseKeys, session.baseKey),
  };
}

function checkSizes(plaintextOrMessage: Uint8Array, binding: Uint8Array, limit: number): void {
  assertBytes(plaintextOrMessage, 'message');
  assertBytes(binding, 'binding');
  if (plaintextOrMessage.length > limit) fail(ErrorCode.TooLarge, 'message too large');
  if (binding.length > MAX_BINDING_BYTES) fail(ErrorCode.TooLarge, 'binding header too large');
}

/** Encrypts with the current session (a session-start while no reply has arrived). */
export function encryptWithRecord(
  record: SessionRecord,
  plaintext: Uint8Array,
  binding: Uint8Array,
): { record: SessionRecord; message: Uint8Array } {
  checkSizes(plaintext, binding, MAX_PLAINTEXT_BYTES);
  const session = record.current;
  if (!session) fail(ErrorCode.NoSessionForDevice, 'no session with this device: claim a prekey bundle first');
  const prefix = session.pendingStart
    ? encodeSessionStartPrefix({ initiatorCardId: session.localCardId, ...session.pendingStart, baseKey: session.baseKey })
    : new Uint8Array(0);
  const out = ratchetEncrypt(session.ratchet, plaintext, session.associatedData, binding, prefix);
  const message = new Uint8Array(prefix.length + out.message.length);
  message.set(prefix, 0);
  message.set(out.message, prefix.length);
  return { record: { ...record, current: { ...session, ratchet: out.state } }, message };
}

function replaceSession(record: SessionRecord, old: Session, updated: Session): SessionRecord {
  if (record.current === old) return { ...record, current: updated };
  return { ...record, previous: record.previous.map((s) => (s === old ? updated : s)) };
}

function sessionsOf(record: SessionRecord): Session[] {
  return record.current ? [record.current, ...record.previous] : [...record.previous];
}

/** Decrypts a ratchet message with one session; clears the initiator's pending start on success. */
function decryptInSession(session: Session, message: RatchetMessage, binding: Uint8Array, prefix?: Uint8Array): { session: Session; plaintext: Uint8Array } {
  const out = ratchetDecrypt(session.ratchet, message, session.associatedData, binding, prefix);
  // A reply on a session we started (a message not carrying our own prefix) confirms it.
  const confirmed = session.role === 'initiator' && prefix === undefined;
  return { session: { ...session, ratchet: out.state, pendingStart: confirmed ? null : session.pendingStart }, plaintext: out.plaintext };
}

function decryptRatchetMessage(record: SessionRecord, message: RatchetMessage, binding: Uint8Array): DecryptResult {
  const sessions = sessionsOf(record);
  if (sessions.length === 0) fail(ErrorCode.NoSessionForDevice, 'no session with this device');
  // A session that knows this ratchet key is the only candidate: its answer is final.
  const owner = sessions.find((s) => classifyRatchetKey(s.ratchet, message.header.ratchetKey) !== 'new');
  const candidates = owner ? [owner] : sessions;
  let firstError: unknown;
  for (const session of candidates) {
    try {
      const out = decryptInSession(session, message, binding);
      return { record: replaceSession(record, session, out.session), plaintext: out.plaintext, consumedOneTimePrekeyId: null, sessionStarted: false };
    } catch (e) {
      if (!(e instanceof OvercryptError)) throw e;
      firstError ??= e;
      if (e.code === ErrorCode.DuplicateMessage || e.code === ErrorCode.TooBigMessageGap) throw e;
    }
  }
  throw firstError;
}

async function decryptSessionStart(
  record: SessionRecord,
  start: SessionStart,
  ctx: DecryptContext,
  binding: Uint8Array,
  now: number,
): Promise<DecryptResult> {
  if (start.initiatorCardId !== ctx.peer.cardId) fail(ErrorCode.HeaderMismatch, 'session-start names another sender device');

  const existing = sessionsOf(record).find((s) => s.role === 'responder' && constantTimeEqual(s.baseKey, start.baseKey));
  if (existing) {
    const out = decryptInSession(existing, start.message, binding, start.prefixBytes);
    return { record: replaceSession(record, existing, out.session), plaintext: out.plaintext, consumedOneTimePrekeyId: null, sessionStarted: false };
  }
  if (record.seenBaseKeys.includes(toHex(start.baseKey))) {
    fail(ErrorCode.DuplicateMessage, 'session-start with a base key already used');
  }

  const { signed, oneTime } = await ctx.resolvePrekeys(start.signedPrekeyId, start.oneTimePrekeyId);
  if (!signed || signed.role !== 'signed' || signed.keyId !== start.signedPrekeyId) {
    fail(ErrorCode.MissingMessageKey, 'session-start uses a signed prekey we no longer have');
  }
  if (start.oneTimePrekeyId !== null && (!oneTime || oneTime.role !== 'oneTime' || oneTime.keyId !== start.oneTimePrekeyId)) {
    fail(ErrorCode.MissingMessageKey, 'session-start uses a one-time prekey already used or unknown');
  }
  const x = x3dhRespond(ctx.self, ctx.peer, start.baseKey, signed.privateKey, start.oneTimePrekeyId === null ? null : oneTime!.privateKey);
  const ratchet = initResponderState(x.sharedSecret, { publicKey: signed.publicKey, privateKey: signed.privateKey });
  const out = ratchetDecrypt(ratchet, start.message, x.associatedData, binding, start.prefixBytes); // authenticates the start
  const fresh: Session = {
    localCardId: ctx.self.cardId,
    remote: { cardId: ctx.peer.cardId, signingPublicKey: ctx.peer.signingPublicKey },
    role: 'responder',
    baseKey: start.baseKey,
    associatedData: x.associatedData,
    pendingStart: null,
    ratchet: out.state,
    createdAt: now,
  };
  return {
    record: placeNewSession(record, fresh, now),
    plaintext: out.plaintext,
    consumedOneTimePrekeyId: start.oneTimePrekeyId,
    sessionStarted: true,
  };
}

/** Where an authenticated new responder session goes: see the rules at the top. */
function placeNewSession(record: SessionRecord, fresh: Session, now: number): SessionRecord {
  const seenBaseKeys = remember(record.seenBaseKeys, fresh.baseKey);
  const current = record.current;
  if (!current) return { ...record, current: fresh, seenBaseKeys };
  if (current.role === 'initiator' && current.pendingStart !== null) {
    // Simultaneous initiation: the smaller base key wins on both sides.
    const [winner, loser] = compareBytes(current.baseKey, fresh.baseKey) < 0 ? [current, fresh] : [fresh, current];
    return { ...record, current: winner, previous: withPrevious(record.previous, loser), seenBaseKeys };
  }
  const recent = record.resetTimes.filter((t) => now - t < RESET_WINDOW_MS && t <= now);
  if (recent.length >= MAX_RESETS_PER_WINDOW) {
    fail(ErrorCode.RateLimited, 'too many session resets from this device; try again later', { retryAfterMs: RESET_WINDOW_MS });
  }
  return { ...record, current: fresh, previous: withPrevious(record.previous, current), seenBaseKeys, resetTimes: [...recent, now] };
}

/**
 * Decrypts a pairwise message from `ctx.peer` with its record (undefined if none yet).
 * Errors (record unchanged): Malformed, UnsupportedVersion, TooLarge, HeaderMismatch,
 * NoSessionForDevice, DuplicateMessage, MissingMessageKey, TooBigMessageGap, Tampered, RateLimited.
 */
export async function decryptWithRecord(
  record: SessionRecord | undefined,
  bytes: Uint8Array,
  ctx: DecryptContext,
  binding: Uint8Array,
  now: number,
): Promise<DecryptResult> {
  checkSizes(bytes, binding, MAX_INPUT_LEN);
  if (bytes.length > MAX_PLAINTEXT_BYTES + 512) fail(ErrorCode.TooLarge, 'message too large');
  assertDeviceIdentity(ctx.self);
  assertRemoteDevice(ctx.peer);
  if (ctx.peer.cardId === ctx.self.cardId) fail(ErrorCode.HeaderMismatch, 'message claims to come from our own device');
  const base = record ?? emptyRecord(ctx.peer.cardId);
  if (base.remoteCardId !== ctx.peer.cardId) fail(ErrorCode.HeaderMismatch, 'record belongs to another device');
  const parsed = parseMessage(bytes);
  return parsed.kind === 'ratchet'
    ? decryptRatchetMessage(base, parsed.message, binding)
    : decryptSessionStart(base, parsed.start, ctx, binding, now);
}
