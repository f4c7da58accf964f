/**
 * Adapters from the browser's storage areas to the service's small interfaces. The areas are passed in
 * (chrome.storage.session / chrome.storage.managed in the worker, fakes in tests), so lib/ stays browser-agnostic.
 *
 * storage.session is memory-only, survives worker restarts, is gone when the browser closes, and at its default
 * access level (TRUSTED_CONTEXTS) content scripts cannot read it: the right place for the unlocked data key.
 */
import type { SessionKeyState, SessionKeyStore } from '../vault/vault';
import type { EphemeralStore } from './ephemeral';
import type { PolicySource } from './service';

/** The subset of chrome.storage.StorageArea used here. */
export interface StorageAreaLike {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  /** Chrome 130+: keys without reading values (used when present). */
  getKeys?(): Promise<string[]>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

const VAULT_KEY = 'overcrypt/vault-key';
const EPHEMERAL_PREFIX = 'overcrypt/eph/';

export function sessionKeyStore(area: StorageAreaLike): SessionKeyStore {
  return {
    async load() {
      const value = (await area.get(VAULT_KEY))[VAULT_KEY] as SessionKeyState | undefined;
      return value && typeof value.key === 'string' && typeof value.lastActivity === 'number' ? value : undefined;
    },
    save: (state) => area.set({ [VAULT_KEY]: state }),
    clear: () => area.remove(VAULT_KEY),
  };
}

export function ephemeralStore(area: StorageAreaLike): EphemeralStore {
  return {
    async get<T>(key: string) {
      return (await area.get(EPHEMERAL_PREFIX + key))[EPHEMERAL_PREFIX + key] as T | undefined;
    },
    set: (key, value) => area.set({ [EPHEMERAL_PREFIX + key]: value }),
    setMany: (items) => area.set(Object.fromEntries(Object.entries(items).map(([k, v]) => [EPHEMERAL_PREFIX + k, v]))),
    delete: (key) => area.remove(EPHEMERAL_PREFIX + key),
    deleteMany: async (keys) => {
      if (keys.length > 0) await area.remove(keys.map((k) => EPHEMERAL_PREFIX + k));
    },
    async keys(prefix) {
      const all = area.getKeys ? await area.getKeys() : Object.keys(await area.get(null));
      return all
        .filter((k) => k.startsWith(EPHEMERAL_PREFIX + prefix))
        .map((k) => k.slice(EPHEMERAL_PREFIX.length));
    },
    async clear() {
      const all = await area.get(null);
      const ours = Object.keys(all).filter((k) => k.startsWith(EPHEMERAL_PREFIX));
      if (ours.length) await area.remove(ours);
    },
  };
}

/** Managed storage may be missing (not policy-installed) or slow at browser start; either way: no policy. */
export function managedPolicySource(area: Pick<StorageAreaLike, 'get'> | undefined): PolicySource {
  return {
    async read() {
      if (!area) return undefined;
      try {
        return await area.get(null);
      } catch {
        return undefined;
      }
    },
  };
}
