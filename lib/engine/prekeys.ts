/**
 * Prekeys of this device: private halves in the sealed `prekeys` store (one record per key, key
 * "<role>:<keyId>", plus the id counter), upkeep with lib/x3dh's `maintainPrekeys` towards
 * `config().prekeyTarget`.
 *
 * Upkeep runs one at a time per keystore (a module-level chain: it holds no secret, and a worker restart that
 * drops it also drops every operation it was ordering). A session-start that uses up a one-time prekey deletes
 * it in the same commit as its ratchet step (see pairwise.ts), never through this store.
 */
import { ErrorCode, fail } from '../errors';
import type { EngineEnv } from '../service/engines';
import type { PrekeyStatus } from '../api/views';
import type { Keystore } from '../storage/keystore';
import { DEFAULT_PREKEY_POLICY, currentSignedPrekey, maintainPrekeys, type PrekeyPolicy, type PrekeyRole, type PrekeyStore, type StoredPrekey } from '../x3dh';
import { loadDevice, type Device } from './device';

const COUNTER_KEY = 'next-id';

export const prekeyRecordKey = (role: PrekeyRole, keyId: number): string => `${role}:${keyId}`;

export class KeystorePrekeyStore implements PrekeyStore {
  constructor(private readonly keystore: Keystore) {}

  get(role: PrekeyRole, keyId: number): Promise<StoredPrekey | undefined> {
    return this.keystore.get<StoredPrekey>('prekeys', prekeyRecordKey(role, keyId));
  }
  async list(role: PrekeyRole): Promise<StoredPrekey[]> {
    const all = await this.keystore.all<StoredPrekey>('prekeys');
    return all.filter((r) => r.key.startsWith(`${role}:`)).map((r) => r.value);
  }
  async put(prekeys: readonly StoredPrekey[]): Promise<void> {
    await this.keystore.commit(prekeys.map((p) => ({ store: 'prekeys' as const, key: prekeyRecordKey(p.role, p.keyId), value: p })));
  }
  async remove(role: PrekeyRole, keyId: number): Promise<void> {
    await this.keystore.delete('prekeys', prekeyRecordKey(role, keyId));
  }
  async takeKeyIds(count: number): Promise<number> {
    const first = (await this.keystore.get<number>('prekeys', COUNTER_KEY)) ?? 1;
    if (first + count > 0xffffffff) fail(ErrorCode.Internal, 'prekey ids exhausted');
    await this.keystore.put('prekeys', COUNTER_KEY, first + count);
    return first;
  }
}

const chains = new WeakMap<Keystore, Promise<unknown>>();

function serially<T>(keystore: Keystore, op: () => Promise<T>): Promise<T> {
  const run = (chains.get(keystore) ?? Promise.resolve()).then(op, op);
  chains.set(keystore, run.catch(() => undefined));
  return run;
}

export function prekeyPolicy(env: EngineEnv): PrekeyPolicy {
  const target = Math.max(0, Math.min(env.config().prekeyTarget, 1000));
  return { ...DEFAULT_PREKEY_POLICY, targetOneTime: target, lowWaterMark: Math.min(DEFAULT_PREKEY_POLICY.lowWaterMark, target) };
}

/**
 * One upkeep pass. `fill`: top up to the target whatever the low-water mark (register, "rotate now");
 * `forceRotate`: replace the signed prekey now.
 */
export function upkeep(env: EngineEnv, opts: { fill?: boolean; forceRotate?: boolean; device?: Device } = {}): Promise<PrekeyStatus> {
  return serially(env.keystore, async () => {
    const device = opts.device ?? (await loadDevice(env));
    const cardId = device.record.cardId;
    const store = new KeystorePrekeyStore(env.keystore);
    const base = prekeyPolicy(env);
    const policy: PrekeyPolicy = opts.fill ? { ...base, lowWaterMark: base.targetOneTime } : base;
    const status = await env.directory.prekeyStatus(cardId);
    const now = env.clock.now();
    // A forced rotation: age the current key past the limit in the plan's eyes (nothing is rewritten).
    const server = opts.forceRotate ? { ...status, signedPrekey: null } : status;
    const body = await maintainPrekeys(store, device.self, server, now, policy);
    let onServer = status.oneTimeCount;
    if (body) {
      env.progress({ op: 'prekeys/rotate', step: 'upload', done: 0, total: 1 });
      onServer = (await env.directory.uploadPrekeys(cardId, body)).oneTimeCount;
      env.progress({ op: 'prekeys/rotate', step: 'upload', done: 1, total: 1 });
    }
    const signed = currentSignedPrekey(await store.list('signed'));
    return { onServer, target: policy.targetOneTime, signedPrekeyCreatedAt: signed?.createdAt ?? null };
  });
}

export async function prekeyStatus(env: EngineEnv): Promise<PrekeyStatus> {
  const device = await loadDevice(env);
  const status = await env.directory.prekeyStatus(device.record.cardId);
  const signed = currentSignedPrekey(await new KeystorePrekeyStore(env.keystore).list('signed'));
  return { onServer: status.oneTimeCount, target: prekeyPolicy(env).targetOneTime, signedPrekeyCreatedAt: signed?.createdAt ?? null };
}
