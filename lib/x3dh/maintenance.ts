/**
 * Prekey upkeep: keep the directory's pool of one-time prekeys near a target, rotate the signed
 * prekey on a schedule, and forget old signed prekeys only after a grace period (a session-start
 * message that used one may still be in a mailbox).
 *
 * `planPrekeyMaintenance` is a pure function of (server status, local signed prekeys, now,
 * policy); `maintainPrekeys` carries the plan out against a `PrekeyStore` and returns the body
 * for `PUT /v1/cards/:cardId/prekeys` (or null when nothing needs uploading). The caller does
 * the HTTP request; if it fails, the stored private keys are simply unused.
 *
 * Example (service worker, on start and after each mailbox sync):
 * ```ts
 * const status = await directory.prekeyStatus(cardId);         // GET .../prekeys/status
 * const body = await maintainPrekeys(store, device, status, Date.now());
 * if (body) await directory.uploadPrekeys(cardId, body);        // PUT .../prekeys
 * ```
 */
import { ErrorCode, fail } from '../errors';
import { Limits, type PrekeyStatus, type UploadPrekeysRequest } from '../directory/wire';
import type { DeviceIdentity } from './identity';
import { generateOneTimePrekeys, generateSignedPrekey, type PrekeyStore, type StoredPrekey } from './prekeys';

const DAY_MS = 24 * 3600 * 1000;

export interface PrekeyPolicy {
  /** One-time prekeys the directory should hold after a top-up. */
  readonly targetOneTime: number;
  /** Top up only when the directory holds fewer than this (avoids an upload per claim). */
  readonly lowWaterMark: number;
  /** Replace the signed prekey when it is this old. */
  readonly signedPrekeyRotationMs: number;
  /** Keep a replaced signed prekey's private half this long (late session-start messages). */
  readonly signedPrekeyGraceMs: number;
  /** Keep at most this many unused one-time private keys locally (oldest dropped first). */
  readonly maxLocalOneTime: number;
}

export const DEFAULT_PREKEY_POLICY: PrekeyPolicy = {
  targetOneTime: 100,
  lowWaterMark: 25,
  signedPrekeyRotationMs: 7 * DAY_MS,
  // The directory refuses signed prekeys older than 30 days, and mailboxes keep envelopes 30 days.
  signedPrekeyGraceMs: Limits.mailboxTtlMs,
  maxLocalOneTime: Limits.oneTimePrekeysMaxStored + 200,
};

export interface PrekeyPlan {
  /** How many new one-time prekeys to generate and upload. */
  readonly oneTimeToUpload: number;
  /** Generate and upload a new signed prekey (the current one, if any, starts its grace period). */
  readonly rotateSignedPrekey: boolean;
  /** Retired signed prekeys whose grace period is over: delete their private halves. */
  readonly signedPrekeysToDelete: readonly number[];
}

/** The newest signed prekey that is not retired, if any. */
export function currentSignedPrekey(signed: readonly StoredPrekey[]): StoredPrekey | undefined {
  return signed.filter((p) => p.retiredAt === null).sort((a, b) => b.createdAt - a.createdAt || b.keyId - a.keyId)[0];
}

function checkPolicy(policy: PrekeyPolicy): void {
  const ok =
    Number.isInteger(policy.targetOneTime) &&
    policy.targetOneTime >= 0 &&
    policy.targetOneTime <= Limits.oneTimePrekeysMaxStored &&
    Number.isInteger(policy.lowWaterMark) &&
    policy.lowWaterMark >= 0 &&
    policy.lowWaterMark <= policy.targetOneTime &&
    policy.signedPrekeyRotationMs > 0 &&
    policy.signedPrekeyRotationMs < Limits.signedPrekeyMaxAgeMs &&
    policy.signedPrekeyGraceMs >= 0;
  if (!ok) fail(ErrorCode.Malformed, 'invalid prekey policy');
}

/** Decides what to do; pure. */
export function planPrekeyMaintenance(
  server: PrekeyStatus,
  localSigned: readonly StoredPrekey[],
  now: number,
  policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
): PrekeyPlan {
  checkPolicy(policy);
  const current = currentSignedPrekey(localSigned);
  const rotateSignedPrekey =
    current === undefined ||
    now - current.createdAt >= policy.signedPrekeyRotationMs ||
    // The directory lost our key or holds another one (e.g. an earlier upload failed): replace it.
    server.signedPrekey === null ||
    server.signedPrekey.keyId !== current.keyId;
  const count = Math.max(0, server.oneTimeCount);
  const below = count < policy.lowWaterMark || (policy.lowWaterMark === 0 && count === 0 && policy.targetOneTime > 0);
  const oneTimeToUpload = below ? Math.min(policy.targetOneTime - count, Limits.prekeyBatchMax) : 0;
  const signedPrekeysToDelete = localSigned
    .filter((p) => p.retiredAt !== null && now - p.retiredAt >= policy.signedPrekeyGraceMs)
    .map((p) => p.keyId);
  return { oneTimeToUpload: Math.max(0, oneTimeToUpload), rotateSignedPrekey, signedPrekeysToDelete };
}

/**
 * Applies the plan: stores new private prekeys, retires/deletes signed prekeys, trims the local
 * one-time pool, and returns the upload body (null when nothing is to be uploaded).
 */
export async function maintainPrekeys(
  store: PrekeyStore,
  self: DeviceIdentity,
  server: PrekeyStatus,
  now: number,
  policy: PrekeyPolicy = DEFAULT_PREKEY_POLICY,
): Promise<UploadPrekeysRequest | null> {
  const localSigned = await store.list('signed');
  const plan = planPrekeyMaintenance(server, localSigned, now, policy);
  const body: UploadPrekeysRequest = {};

  for (const keyId of plan.signedPrekeysToDelete) await store.remove('signed', keyId);

  if (plan.rotateSignedPrekey) {
    const old = currentSignedPrekey(localSigned);
    const { stored, wire } = generateSignedPrekey(self, await store.takeKeyIds(1), now);
    await store.put(old ? [{ ...old, retiredAt: now }, stored] : [stored]);
    body.signedPrekey = wire;
  }

  if (plan.oneTimeToUpload > 0) {
    const first = await store.takeKeyIds(plan.oneTimeToUpload);
    const { stored, wire } = generateOneTimePrekeys(self, first, plan.oneTimeToUpload, now);
    await store.put(stored);
    body.oneTimePrekeys = wire;
  }

  await trimOneTimePool(store, policy.maxLocalOneTime);
  return body.signedPrekey || body.oneTimePrekeys ? body : null;
}

/**
 * One-time private keys whose public halves were claimed but never used (the initiator never
 * sent) would pile up; drop the oldest beyond the cap. A session-start naming a dropped key then
 * fails with MissingMessageKey and the sender starts over with a fresh bundle.
 */
async function trimOneTimePool(store: PrekeyStore, max: number): Promise<void> {
  const all = await store.list('oneTime');
  if (all.length <= max) return;
  const oldest = [...all].sort((a, b) => a.createdAt - b.createdAt || a.keyId - b.keyId).slice(0, all.length - max);
  for (const p of oldest) await store.remove('oneTime', p.keyId);
}
