/**
 * Binary forms of pairwise ratchet messages (carried base64 inside a mailbox envelope).
 *
 *   ratchet message  = 0x11 || header (ratchet key 32 || PN u32 || N u32) || AES-256-GCM(ct || tag16)
 *   session start    = 0x12 || initiator card id 32 || signed prekey id u32 || has-one-time u8
 *                      [|| one-time prekey id u32] || base key 32 || ratchet message
 *
 * Overhead: 57 bytes per ratchet message; a session start adds 70-74 bytes and is sent until
 * the initiator hears back. The type byte carries the version; unknown types are
 * UnsupportedVersion. The AEAD's associated data is X3DH AD || session-start prefix (if any) ||
 * ratchet header (type byte included) || the caller's binding bytes, so every byte here is
 * authenticated except those that select keys (and a wrong selection fails the AEAD anyway).
 */
import { ErrorCode, fail } from '../errors';
import { AES_GCM_TAG_LEN, X25519_KEY_LEN } from '../crypto/primitives';
import { ByteReader, ByteWriter, fromHex, toHex } from './codec';

export const RATCHET_MESSAGE_TYPE = 0x11;
export const SESSION_START_TYPE = 0x12;
export const RATCHET_HEADER_LEN = 1 + X25519_KEY_LEN + 4 + 4;

export interface RatchetHeader {
  /** Sender's current ratchet public key (DHs). */
  readonly ratchetKey: Uint8Array;
  /** Number of messages in the sender's previous sending chain (PN). */
  readonly previousCounter: number;
  /** Message number in the current sending chain (N). */
  readonly counter: number;
}

export interface RatchetMessage {
  readonly header: RatchetHeader;
  /** The exact header bytes (type byte included), authenticated as associated data. */
  readonly headerBytes: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface SessionStart {
  readonly initiatorCardId: string;
  readonly signedPrekeyId: number;
  readonly oneTimePrekeyId: number | null;
  readonly baseKey: Uint8Array;
  /** Bytes before the embedded ratchet message (authenticated as associated data). */
  readonly prefixBytes: Uint8Array;
  readonly message: RatchetMessage;
}

export type ParsedMessage = { kind: 'ratchet'; message: RatchetMessage } | { kind: 'sessionStart'; start: SessionStart };

export function encodeRatchetHeader(header: RatchetHeader): Uint8Array {
  return new ByteWriter()
    .u8(RATCHET_MESSAGE_TYPE)
    .fixed(header.ratchetKey, X25519_KEY_LEN)
    .u32(header.previousCounter)
    .u32(header.counter)
    .finish();
}

export function encodeRatchetMessage(headerBytes: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return new ByteWriter().fixed(headerBytes, RATCHET_HEADER_LEN).rest(ciphertext).finish();
}

export function encodeSessionStartPrefix(start: Omit<SessionStart, 'prefixBytes' | 'message'>): Uint8Array {
  const w = new ByteWriter()
    .u8(SESSION_START_TYPE)
    .fixed(fromHex(start.initiatorCardId, 32), 32)
    .u32(start.signedPrekeyId)
    .u8(start.oneTimePrekeyId === null ? 0 : 1);
  if (start.oneTimePrekeyId !== null) w.u32(start.oneTimePrekeyId);
  return w.fixed(start.baseKey, X25519_KEY_LEN).finish();
}

function readRatchetMessage(r: ByteReader, embedded: boolean): RatchetMessage {
  const type = r.u8();
  // Inside a session-start the version is already known: another byte here is damage.
  if (type !== RATCHET_MESSAGE_TYPE) fail(embedded ? ErrorCode.Malformed : ErrorCode.UnsupportedVersion, 'unknown ratchet message type');
  const ratchetKey = r.fixed(X25519_KEY_LEN);
  const previousCounter = r.u32();
  const counter = r.u32();
  const ciphertext = r.rest();
  if (ciphertext.length < AES_GCM_TAG_LEN) fail(ErrorCode.Malformed, 'ciphertext too short');
  const headerBytes = encodeRatchetHeader({ ratchetKey, previousCounter, counter });
  return { header: { ratchetKey, previousCounter, counter }, headerBytes, ciphertext };
}

/** Parses either message form; total (typed errors only). */
export function parseMessage(bytes: Uint8Array): ParsedMessage {
  const r = new ByteReader(bytes);
  if (r.remaining < 1) fail(ErrorCode.Malformed, 'empty message');
  const type = bytes[0];
  if (type === RATCHET_MESSAGE_TYPE) return { kind: 'ratchet', message: readRatchetMessage(r, false) };
  if (type !== SESSION_START_TYPE) fail(ErrorCode.UnsupportedVersion, 'unknown message type');
  r.u8();
  const initiatorCardId = toHex(r.fixed(32));
  const signedPrekeyId = r.u32();
  const flag = r.u8();
  if (flag > 1) fail(ErrorCode.Malformed, 'bad one-time prekey flag');
  const oneTimePrekeyId = flag === 1 ? r.u32() : null;
  const baseKey = r.fixed(X25519_KEY_LEN);
  const prefixBytes = encodeSessionStartPrefix({ initiatorCardId, signedPrekeyId, oneTimePrekeyId, baseKey });
  return { kind: 'sessionStart', start: { initiatorCardId, signedPrekeyId, oneTimePrekeyId, baseKey, prefixBytes, message: readRatchetMessage(r, true) } };
}

/**
 * For the integrator: if `bytes` is a session-start, the card id it claims to come from (look
 * that card up and verify it before `decryptFrom`); null for ordinary ratchet messages.
 */
export function peekSessionStart(bytes: Uint8Array): { initiatorCardId: string } | null {
  const parsed = parseMessage(bytes);
  return parsed.kind === 'sessionStart' ? { initiatorCardId: parsed.start.initiatorCardId } : null;
}
