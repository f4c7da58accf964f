/** Prekey upkeep: top-up to the target below the low-water mark, rotation, grace period. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import type { PrekeyStatus } from '../../../lib/directory/wire';
import {
  DEFAULT_PREKEY_POLICY,
  MemoryPrekeyStore,
  currentSignedPrekey,
  maintainPrekeys,
  planPrekeyMaintenance,
  verifyPrekey,
  type StoredPrekey,
} from '../../../lib/x3dh';
import { ErrorCode, isError } from '../../../lib/errors';
import { newDevice } from './devices';

const DAY = 24 * 3600 * 1000;
const T0 = 1_800_000_000_000;

beforeAll(async () => {
  await ensureCrypto();
});

const signed = (keyId: number, createdAt: number, retiredAt: number | null = null): StoredPrekey => ({
  role: 'signed',
  keyId,
  createdAt,
  retiredAt,
  publicKey: new Uint8Array(32),
  privateKey: new Uint8Array(32),
});

describe('planPrekeyMaintenance (pure)', () => {
  it('a fresh device creates a signed prekey and the full target of one-time prekeys', () => {
    const plan = planPrekeyMaintenance({ oneTimeCount: 0, signedPrekey: null }, [], T0);
    expect(plan).toEqual({ oneTimeToUpload: DEFAULT_PREKEY_POLICY.targetOneTime, rotateSignedPrekey: true, signedPrekeysToDelete: [] });
  });
  it('tops up only below the low-water mark, and then back to the target', () => {
    const local = [signed(1, T0)];
    const status = (n: number): PrekeyStatus => ({ oneTimeCount: n, signedPrekey: { keyId: 1, createdAt: T0 } });
    const low = DEFAULT_PREKEY_POLICY.lowWaterMark;
    expect(planPrekeyMaintenance(status(low), local, T0 + 1).oneTimeToUpload).toBe(0);
    expect(planPrekeyMaintenance(status(low - 1), local, T0 + 1).oneTimeToUpload).toBe(DEFAULT_PREKEY_POLICY.targetOneTime - (low - 1));
    expect(planPrekeyMaintenance(status(low), local, T0 + 1).rotateSignedPrekey).toBe(false);
  });
  it('rotates on schedule, or when the directory holds another signed prekey', () => {
    const local = [signed(1, T0)];
    const status: PrekeyStatus = { oneTimeCount: 100, signedPrekey: { keyId: 1, createdAt: T0 } };
    expect(planPrekeyMaintenance(status, local, T0 + 7 * DAY - 1).rotateSignedPrekey).toBe(false);
    expect(planPrekeyMaintenance(status, local, T0 + 7 * DAY).rotateSignedPrekey).toBe(true);
    expect(planPrekeyMaintenance({ ...status, signedPrekey: { keyId: 9, createdAt: T0 } }, local, T0).rotateSignedPrekey).toBe(true);
  });
  it('deletes retired signed prekeys only after the grace period', () => {
    const local = [signed(2, T0 + 7 * DAY), signed(1, T0, T0 + 7 * DAY)];
    const status: PrekeyStatus = { oneTimeCount: 100, signedPrekey: { keyId: 2, createdAt: T0 + 7 * DAY } };
    const grace = DEFAULT_PREKEY_POLICY.signedPrekeyGraceMs;
    expect(planPrekeyMaintenance(status, local, T0 + 7 * DAY + grace - 1).signedPrekeysToDelete).toEqual([]);
    expect(planPrekeyMaintenance(status, local, T0 + 7 * DAY + grace).signedPrekeysToDelete).toEqual([1]);
    expect(currentSignedPrekey(local)?.keyId).toBe(2);
  });
  it('refuses an inconsistent policy', () => {
    try {
      planPrekeyMaintenance({ oneTimeCount: 0, signedPrekey: null }, [], T0, { ...DEFAULT_PREKEY_POLICY, lowWaterMark: 500 });
      expect.unreachable();
    } catch (e) {
      expect(isError(e, ErrorCode.Malformed)).toBe(true);
    }
  });
});

describe('maintainPrekeys (against a store)', () => {
  it('publishes, stays quiet when nothing is due, rotates, then forgets after the grace period', async () => {
    const dev = newDevice();
    const store = new MemoryPrekeyStore();
    const first = await maintainPrekeys(store, dev.identity, { oneTimeCount: 0, signedPrekey: null }, T0);
    expect(first?.oneTimePrekeys).toHaveLength(100);
    expect(first?.signedPrekey).toBeDefined();
    // every uploaded key verifies against the card and has its private half stored
    for (const p of first!.oneTimePrekeys!) {
      verifyPrekey('oneTime', dev.identity.cardId, p, dev.identity.signingPublicKey);
      expect(await store.get('oneTime', p.keyId)).toBeDefined();
    }
    verifyPrekey('signed', dev.identity.cardId, first!.signedPrekey!, dev.identity.signingPublicKey);
    const ids = new Set([first!.signedPrekey!.keyId, ...first!.oneTimePrekeys!.map((p) => p.keyId)]);
    expect(ids.size).toBe(101);

    const spk1 = first!.signedPrekey!;
    const status = { oneTimeCount: 100, signedPrekey: { keyId: spk1.keyId, createdAt: spk1.createdAt } };
    expect(await maintainPrekeys(store, dev.identity, status, T0 + DAY)).toBeNull();

    const rotated = await maintainPrekeys(store, dev.identity, status, T0 + 8 * DAY);
    expect(rotated?.signedPrekey?.keyId).not.toBe(spk1.keyId);
    expect(rotated?.oneTimePrekeys).toBeUndefined();
    const old = await store.get('signed', spk1.keyId);
    expect(old?.retiredAt).toBe(T0 + 8 * DAY); // kept for the grace period

    const spk2 = rotated!.signedPrekey!;
    const status2 = { oneTimeCount: 100, signedPrekey: { keyId: spk2.keyId, createdAt: spk2.createdAt } };
    await maintainPrekeys(store, dev.identity, status2, T0 + 8 * DAY + DEFAULT_PREKEY_POLICY.signedPrekeyGraceMs - 1);
    expect(await store.get('signed', spk1.keyId)).toBeDefined();
    await maintainPrekeys(store, dev.identity, status2, T0 + 8 * DAY + DEFAULT_PREKEY_POLICY.signedPrekeyGraceMs);
    expect(await store.get('signed', spk1.keyId)).toBeUndefined();
    expect(await store.get('signed', spk2.keyId)).toBeDefined();
  });

  it('keeps at most maxLocalOneTime unused one-time private keys, dropping the oldest', async () => {
    const dev = newDevice();
    const store = new MemoryPrekeyStore();
    const policy = { ...DEFAULT_PREKEY_POLICY, targetOneTime: 30, lowWaterMark: 10, maxLocalOneTime: 50 };
    const first = await maintainPrekeys(store, dev.identity, { oneTimeCount: 0, signedPrekey: null }, T0, policy);
    const spk = { keyId: first!.signedPrekey!.keyId, createdAt: T0 };
    // the directory handed all 30 out, but nobody used them; twice more
    await maintainPrekeys(store, dev.identity, { oneTimeCount: 0, signedPrekey: spk }, T0 + 1, policy);
    await maintainPrekeys(store, dev.identity, { oneTimeCount: 0, signedPrekey: spk }, T0 + 2, policy);
    const left = await store.list('oneTime');
    expect(left).toHaveLength(50);
    expect(left.every((p) => p.createdAt >= T0 + 1)).toBe(true);
  });
});
