/**
 * Versioned serialisation of session records: `serialiseRecord(record) -> string` (JSON, byte
 * fields base64) and `deserialiseRecord(text) -> SessionRecord`, which validates every field,
 * length and limit and throws Malformed / UnsupportedVersion. The output holds private keys:
 * store it only inside the encrypted vault (lib/vault), never in logs.
 *
 * Round-trip: `deserialiseRecord(serialiseRecord(r))` decrypts and encrypts exactly like `r`.
 */
import { ErrorCode, fail } from '../errors';
import { X25519_KEY_LEN } from '../crypto/primitives';
import { field, fromBase64, fromHex, isArray, isString, isUint, toBase64 } from './codec';
import {
  MAX_PREVIOUS_SESSIONS,
  MAX_RESETS_PER_WINDOW,
  MAX_SEEN_BASE_KEYS,
  SESSION_RECORD_VERSION,
  type Session,
  type SessionRecord,
} from './session';
import { MAX_RECEIVER_CHAINS, MAX_RETIRED_RATCHET_KEYS, MAX_SKIPPED_KEYS, type RatchetState } from './state';

const b64 = toBase64;
const KEY = X25519_KEY_LEN;
const CARD_ID_RE = /^[0-9a-f]{64}$/;
const isCardId = (v: unknown): v is string => typeof v === 'string' && CARD_ID_RE.test(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullableObject = (v: unknown): v is Record<string, unknown> | null => v === null || isObject(v);

function bytes(obj: unknown, key: string, length: number): Uint8Array {
  return fromBase64(field(obj, key, isString), length);
}

function boundedArray(obj: unknown, key: string, max: number): unknown[] {
  const arr = field(obj, key, isArray);
  if (arr.length > max) fail(ErrorCode.Malformed, `${key} has too many entries`);
  return arr;
}

function ratchetToJson(r: RatchetState): unknown {
  return {
    rootKey: b64(r.rootKey),
    sendingKey: { publicKey: b64(r.sendingKey.publicKey), privateKey: b64(r.sendingKey.privateKey) },
    sendingChain: r.sendingChain && { chainKey: b64(r.sendingChain.chainKey), index: r.sendingChain.index },
    previousCounter: r.previousCounter,
    receiverChains: r.receiverChains.map((c) => ({ ratchetKey: b64(c.ratchetKey), chainKey: b64(c.chainKey), index: c.index })),
    retiredRatchetKeys: r.retiredRatchetKeys.map(b64),
    skippedKeys: r.skippedKeys.map((k) => ({ ratchetKey: b64(k.ratchetKey), index: k.index, messageKey: b64(k.messageKey) })),
  };
}

function ratchetFromJson(o: unknown): RatchetState {
  const sk = field(o, 'sendingKey', isObject);
  const sc = field(o, 'sendingChain', isNullableObject);
  return {
    rootKey: bytes(o, 'rootKey', 32),
    sendingKey: { publicKey: bytes(sk, 'publicKey', KEY), privateKey: bytes(sk, 'privateKey', KEY) },
    sendingChain: sc && { chainKey: bytes(sc, 'chainKey', 32), index: field(sc, 'index', isUint) },
    previousCounter: field(o, 'previousCounter', isUint),
    receiverChains: boundedArray(o, 'receiverChains', MAX_RECEIVER_CHAINS).map((c) => ({
      ratchetKey: bytes(c, 'ratchetKey', KEY),
      chainKey: bytes(c, 'chainKey', 32),
      index: field(c, 'index', isUint),
    })),
    retiredRatchetKeys: boundedArray(o, 'retiredRatchetKeys', MAX_RETIRED_RATCHET_KEYS).map((k) => fromBase64(k, KEY)),
    skippedKeys: boundedArray(o, 'skippedKeys', MAX_SKIPPED_KEYS).map((k) => ({
      ratchetKey: bytes(k, 'ratchetKey', KEY),
      index: field(k, 'index', isUint),
      messageKey: bytes(k, 'messageKey', 32),
    })),
  };
}

function sessionToJson(s: Session): unknown {
  return {
    localCardId: s.localCardId,
    remote: { cardId: s.remote.cardId, signingPublicKey: b64(s.remote.signingPublicKey) },
    role: s.role,
    baseKey: b64(s.baseKey),
    associatedData: b64(s.associatedData),
    pendingStart: s.pendingStart && { ...s.pendingStart },
    ratchet: ratchetToJson(s.ratchet),
    createdAt: s.createdAt,
  };
}

function sessionFromJson(o: unknown): Session {
  const remote = field(o, 'remote', isObject);
  const role = field(o, 'role', (v): v is 'initiator' | 'responder' => v === 'initiator' || v === 'responder');
  const pending = field(o, 'pendingStart', isNullableObject);
  return {
    localCardId: field(o, 'localCardId', isCardId),
    remote: { cardId: field(remote, 'cardId', isCardId), signingPublicKey: bytes(remote, 'signingPublicKey', 32) },
    role,
    baseKey: bytes(o, 'baseKey', KEY),
    associatedData: bytes(o, 'associatedData', 128),
    pendingStart: pending && {
      signedPrekeyId: field(pending, 'signedPrekeyId', isUint),
      oneTimePrekeyId: field(pending, 'oneTimePrekeyId', (v): v is number | null => v === null || isUint(v)),
    },
    ratchet: ratchetFromJson(field(o, 'ratchet', isObject)),
    createdAt: field(o, 'createdAt', isUint),
  };
}

export function serialiseRecord(record: SessionRecord): string {
  return JSON.stringify({
    version: record.version,
    remoteCardId: record.remoteCardId,
    current: record.current && sessionToJson(record.current),
    previous: record.previous.map(sessionToJson),
    seenBaseKeys: record.seenBaseKeys,
    resetTimes: record.resetTimes,
  });
}

export function deserialiseRecord(text: string): SessionRecord {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return fail(ErrorCode.Malformed, 'session record is not JSON');
  }
  const version = field(o, 'version', isUint);
  if (version !== SESSION_RECORD_VERSION) fail(ErrorCode.UnsupportedVersion, `session record version ${version}`);
  const current = field(o, 'current', isNullableObject);
  const record: SessionRecord = {
    version: SESSION_RECORD_VERSION,
    remoteCardId: field(o, 'remoteCardId', isCardId),
    current: current && sessionFromJson(current),
    previous: boundedArray(o, 'previous', MAX_PREVIOUS_SESSIONS).map(sessionFromJson),
    seenBaseKeys: boundedArray(o, 'seenBaseKeys', MAX_SEEN_BASE_KEYS).map((k) => {
      fromHex(k, KEY);
      return k as string;
    }),
    resetTimes: boundedArray(o, 'resetTimes', MAX_RESETS_PER_WINDOW).map((t) => {
      if (!isUint(t)) fail(ErrorCode.Malformed, 'bad reset time');
      return t;
    }),
  };
  for (const s of record.current ? [record.current, ...record.previous] : record.previous) {
    if (s.remote.cardId !== record.remoteCardId) fail(ErrorCode.Malformed, 'session belongs to another device');
  }
  return record;
}
