/**
 * The typed, encrypting view of the database used by the service and the crypto engines. Values go through the
 * vault (sealed with AAD = store + key) before they reach IndexedDB.
 *
 * `commit()` writes several records in ONE IndexedDB transaction and resolves only when it is durable: seal
 * everything first (WebCrypto is async, and an IDB transaction closes when its task goes idle), then put
 * synchronously, then await `tx.done`. The service returns ciphertext or plaintext only after that.
 */
import type { OvercryptDB } from './db';
import type { CachedMessage } from './message-cache';
import type { CacheRecord, SealedRecord, SealedStore } from './schema';

/** What the vault offers the keystore (lib/vault/vault.ts implements it). */
export interface Sealer {
  seal(store: string, key: string, value: unknown): Promise<SealedRecord>;
  open<T>(store: string, key: string, record: SealedRecord): Promise<T>;
}

/** One write of a commit; `value: undefined` deletes. */
export type Write = RecordWrite | CacheWrite;

export interface RecordWrite {
  store: SealedStore;
  key: string;
  value: unknown | undefined;
}

/**
 * A message-cache entry committed together with the session step that consumed the message key, so a worker killed
 * right after the commit still shows the message (its key is gone, its plaintext is not). Eviction happens on the
 * cache's next put.
 */
export interface CacheWrite {
  store: 'messageCache';
  /** ciphertextDigest(parts) */
  key: string;
  value: CachedMessage;
  lastUsed: number;
}

export class Keystore {
  constructor(
    private readonly db: OvercryptDB,
    private readonly sealer: Sealer,
  ) {}

  async get<T>(store: SealedStore, key: string): Promise<T | undefined> {
    const record = await this.db.get(store, key);
    return record === undefined ? undefined : this.sealer.open<T>(store, key, record);
  }

  async put(store: SealedStore, key: string, value: unknown): Promise<void> {
    await this.commit([{ store, key, value }]);
  }

  async delete(store: SealedStore, key: string): Promise<void> {
    await this.db.delete(store, key);
  }

  async keys(store: SealedStore): Promise<string[]> {
    return (await this.db.getAllKeys(store)).map(String);
  }

  async all<T>(store: SealedStore): Promise<Array<{ key: string; value: T }>> {
    const tx = this.db.transaction(store, 'readonly');
    const out: Array<{ key: string; record: SealedRecord }> = [];
    for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
      out.push({ key: String(cursor.key), record: cursor.value });
    }
    await tx.done;
    return Promise.all(out.map(async ({ key, record }) => ({ key, value: await this.sealer.open<T>(store, key, record) })));
  }

  /** Atomic: all writes land or none. Resolves when the transaction completed. */
  async commit(writes: readonly Write[]): Promise<void> {
    if (writes.length === 0) return;
    const sealed = await Promise.all(
      writes.map(async (w) => ({
        w,
        record: w.value === undefined ? undefined : await this.sealer.seal(w.store, w.key, w.value),
      })),
    );
    const stores = [...new Set(writes.map((w) => w.store))];
    const tx = this.db.transaction(stores, 'readwrite');
    for (const { w, record } of sealed) {
      if (w.store === 'messageCache') {
        const entry: CacheRecord = { digest: w.key, lastUsed: w.lastUsed, sealed: record! };
        void tx.objectStore('messageCache').put(entry);
        continue;
      }
      const store = tx.objectStore(w.store);
      if (record === undefined) void store.delete(w.key);
      else void store.put(record, w.key);
    }
    await tx.done;
  }

  /** Empties every sealed store (logout keeps nothing). */
  async clear(stores: readonly SealedStore[]): Promise<void> {
    const tx = this.db.transaction([...stores], 'readwrite');
    await Promise.all([...stores.map((s) => tx.objectStore(s).clear()), tx.done]);
  }
}
