/**
 * The IndexedDB schema: store names, record shapes and the versioned migrations that create them.
 *
 * Every store except `meta` and the LRU index of `messageCache` holds only sealed records (AES-GCM, see
 * lib/vault/vault.ts); `meta` holds what must be readable before unlock (the vault's KDF parameters and wrapped
 * key, the schema version) and nothing secret.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

export const DB_NAME = 'overcrypt';

/** A value encrypted by the vault: AES-256-GCM, AAD = "overcrypt/v1" \0 store \0 key. */
export interface SealedRecord {
  /** Format version of the sealing, so it can change without guessing. */
  v: 1;
  iv: Uint8Array;
  /** Ciphertext with the 16-byte tag appended. */
  ct: Uint8Array;
}

export interface CacheRecord {
  /** Hex SHA-256 of the ciphertext (see lib/storage/message-cache.ts). */
  digest: string;
  /** Clock ms of the last read or write; the LRU order. */
  lastUsed: number;
  sealed: SealedRecord;
}

/** Stores whose values are sealed records keyed by a string the caller chooses. */
export const SEALED_STORES = [
  'deviceKeys',
  'prekeys',
  'sessions',
  'senderKeys',
  'contacts',
  'groups',
  'settings',
  /** Deferred directory requests (mailbox posts, archive copies) waiting for the network. */
  'outbox',
] as const;
export type SealedStore = (typeof SEALED_STORES)[number];

export interface OvercryptSchema extends DBSchema {
  deviceKeys: { key: string; value: SealedRecord };
  prekeys: { key: string; value: SealedRecord };
  sessions: { key: string; value: SealedRecord };
  senderKeys: { key: string; value: SealedRecord };
  contacts: { key: string; value: SealedRecord };
  groups: { key: string; value: SealedRecord };
  settings: { key: string; value: SealedRecord };
  outbox: { key: string; value: SealedRecord };
  messageCache: { key: string; value: CacheRecord; indexes: { byLastUsed: number } };
  meta: { key: string; value: unknown };
}

export type StoreName = StoreNames<OvercryptSchema>;
export type UpgradeTx = IDBPTransaction<OvercryptSchema, StoreName[], 'versionchange'>;

/** A migration brings the database from version `to - 1` to `to`. Runs inside the upgrade transaction. */
export interface Migration {
  to: number;
  describe: string;
  run(db: IDBPDatabase<OvercryptSchema>, tx: UpgradeTx): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    describe: 'initial stores',
    run(db) {
      for (const name of SEALED_STORES) db.createObjectStore(name);
      const cache = db.createObjectStore('messageCache', { keyPath: 'digest' });
      cache.createIndex('byLastUsed', 'lastUsed');
      db.createObjectStore('meta');
    },
  },
];

export const DB_VERSION = MIGRATIONS.length;
