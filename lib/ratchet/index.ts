/**
 * Double Ratchet sessions between device pairs (Signal's spec; HKDF/HMAC-SHA256, AES-256-GCM),
 * started with X3DH (lib/x3dh). Sessions are plain data + pure functions; `cipher.ts` adds
 * storage through a small `SessionStore`.
 *
 * Alice/Bob:
 * ```ts
 * await ensureCrypto();
 * await startSession(aliceSessions, alice, verifyPrekeyBundle(claimedBobBundle, bobCardKey), now);
 * const m1 = await encryptTo(aliceSessions, bob.cardId, utf8('hi Bob'), binding);         // session-start
 * const r1 = await decryptFrom({ sessions: bobSessions, prekeys: bobPrekeys }, bob, aliceDevice, m1, binding, now);
 * const m2 = await encryptTo(bobSessions, alice.cardId, utf8('hi Alice'), binding2);      // ratchet message
 * await decryptFrom({ sessions: aliceSessions, prekeys: alicePrekeys }, alice, bobDevice, m2, binding2, now);
 * // decrypting m1 again: DuplicateMessage, nothing changes.
 * ```
 */
export { MAX_MESSAGE_GAP, MAX_SKIPPED_KEYS, MAX_RECEIVER_CHAINS, MAX_RETIRED_RATCHET_KEYS, type RatchetState } from './state';
export {
  MAX_PREVIOUS_SESSIONS,
  MAX_SEEN_BASE_KEYS,
  MAX_RESETS_PER_WINDOW,
  RESET_WINDOW_MS,
  MAX_PLAINTEXT_BYTES,
  MAX_BINDING_BYTES,
  type Session,
  type SessionRecord,
  type DecryptContext,
  type DecryptResult,
  type ResolvePrekeys,
  sessionId,
  emptyRecord,
  createInitiatorSession,
  addInitiatedSession,
  encryptWithRecord,
  decryptWithRecord,
} from './session';
export { peekSessionStart, RATCHET_MESSAGE_TYPE, SESSION_START_TYPE } from './message';
export { serialiseRecord, deserialiseRecord } from './serialise';
export { type SessionStore, MemorySessionStore, startSession, hasSession, encryptTo, decryptFrom } from './cipher';
export { kdfRk, kdfCk, messageKeyMaterial } from './kdf';
