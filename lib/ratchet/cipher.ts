/**
 * Pairwise encryption with storage: load a record, run the pure session functions, save once.
 * There is no queue here: the service worker must run one peer's operations one at a time
 * (it serialises all crypto work), so a record is never loaded twice concurrently.
 *
 * Example (Alice -> Bob, then Bob replies):
 * ```ts
 * const bundle = verifyPrekeyBundle(claimed, bobCardKey);
 * await startSession(aliceSessions, alice, bundle, Date.now());
 * const msg = await encryptTo(aliceSessions, bob.cardId, utf8('hi'), binding);
 * // ... mailbox ...
 * const { initiatorCardId } = peekSessionStart(msg) ?? {};   // which card to fetch and verify
 * const got = await decryptFrom({ sessions: bobSessions, prekeys: bobPrekeys }, bob, aliceDevice, msg, binding, Date.now());
 * const reply = await encryptTo(bobSessions, alice.cardId, utf8('hello'), binding2);
 * ```
 */
import type { DeviceIdentity, RemoteDevice } from '../x3dh/identity';
import type { PrekeyStore, VerifiedBundle } from '../x3dh/prekeys';
import {
  addInitiatedSession,
  createInitiatorSession,
  decryptWithRecord,
  emptyRecord,
  encryptWithRecord,
  type SessionRecord,
} from './session';

/** Where session records live (one per peer card id). */
export interface SessionStore {
  load(remoteCardId: string): Promise<SessionRecord | undefined>;
  save(record: SessionRecord): Promise<void>;
}

/** In-memory SessionStore (tests; reference for the IndexedDB one). */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  async load(remoteCardId: string): Promise<SessionRecord | undefined> {
    return this.records.get(remoteCardId);
  }
  async save(record: SessionRecord): Promise<void> {
    this.records.set(record.remoteCardId, record);
  }
}

/** Starts (or restarts) a session with the bundle's device; the next `encryptTo` sends a session-start. */
export async function startSession(sessions: SessionStore, self: DeviceIdentity, bundle: VerifiedBundle, now: number): Promise<SessionRecord> {
  const record = (await sessions.load(bundle.cardId)) ?? emptyRecord(bundle.cardId);
  const next = addInitiatedSession(record, createInitiatorSession(self, bundle, now));
  await sessions.save(next);
  return next;
}

/** True if we can encrypt to this device without claiming a bundle. */
export async function hasSession(sessions: SessionStore, remoteCardId: string): Promise<boolean> {
  return (await sessions.load(remoteCardId))?.current != null;
}

/** Encrypts for one device; NoSessionForDevice if `startSession` is needed first. */
export async function encryptTo(sessions: SessionStore, remoteCardId: string, plaintext: Uint8Array, binding: Uint8Array): Promise<Uint8Array> {
  const record = (await sessions.load(remoteCardId)) ?? emptyRecord(remoteCardId);
  const out = encryptWithRecord(record, plaintext, binding);
  await sessions.save(out.record);
  return out.message;
}

/**
 * Decrypts a message from `peer` (its card verified by the caller). Saves the record only on
 * success, then deletes a one-time prekey the message used up.
 */
export async function decryptFrom(
  stores: { sessions: SessionStore; prekeys: PrekeyStore },
  self: DeviceIdentity,
  peer: RemoteDevice,
  message: Uint8Array,
  binding: Uint8Array,
  now: number,
): Promise<{ plaintext: Uint8Array; sessionStarted: boolean }> {
  const record = await stores.sessions.load(peer.cardId);
  const result = await decryptWithRecord(
    record,
    message,
    {
      self,
      peer,
      resolvePrekeys: async (signedId, oneTimeId) => ({
        signed: await stores.prekeys.get('signed', signedId),
        oneTime: oneTimeId === null ? undefined : await stores.prekeys.get('oneTime', oneTimeId),
      }),
    },
    binding,
    now,
  );
  await stores.sessions.save(result.record);
  if (result.consumedOneTimePrekeyId !== null) await stores.prekeys.remove('oneTime', result.consumedOneTimePrekeyId);
  return { plaintext: result.plaintext, sessionStarted: result.sessionStarted };
}
