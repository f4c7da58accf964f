/**
 * The message cache: plaintext of messages already decrypted (and of messages this user sent), keyed by a digest
 * of the ciphertext, so history shows again after a reload although forward secrecy deleted the keys.
 * Sealed like every secret; bounded; least-recently-used entries are evicted first.
 */
import type { OvercryptDB } from './db';
import type { Sealer } from './keystore';
import type { CacheRecord } from './schema';

export interface CachedMessage {
  plaintext: string;
  /** The signed header as decrypted (checked against the page on every render). */
  header: unknown;
  /** 'received' or 'sent' */
  direction: 'received' | 'sent';
}

export const DEFAULT_CACHE_LIMIT = 5_000;
const STORE = 'messageCache';

/** Hex SHA-256 over the armor parts (joined by \n): the same key for a sent message and for its copy on the page. */
export async function ciphertextDigest(parts: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(parts.join('\n'));
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class MessageCache {
  constructor(
    private readonly db: OvercryptDB,
    private readonly sealer: Sealer,
    private readonly clock: { now(): number },
    readonly limit: number = DEFAULT_CACHE_LIMIT,
  ) {}

  /** Returns the entry and marks it recently used. */
  async get(digest: string): Promise<CachedMessage | undefined> {
    const record = await this.db.get(STORE, digest);
    if (!record) return undefined;
    const value = await this.sealer.open<CachedMessage>(STORE, digest, record.sealed);
    await this.db.put(STORE, { ...record, lastUsed: this.nextStamp() });
    return value;
  }

  async put(digest: string, message: CachedMessage): Promise<void> {
    const sealed = await this.sealer.seal(STORE, digest, message);
    const record: CacheRecord = { digest, lastUsed: this.nextStamp(), sealed };
    const tx = this.db.transaction(STORE, 'readwrite');
    void tx.store.put(record);
    // Evict the oldest until within bounds, in the same transaction.
    let excess = (await tx.store.count()) - this.limit;
    for (let c = await tx.store.index('byLastUsed').openCursor(); c && excess > 0; c = await c.continue()) {
      if (c.value.digest !== digest) {
        void c.delete();
        excess--;
      }
    }
    await tx.done;
  }

  async count(): Promise<number> {
    return this.db.count(STORE);
  }

  async clear(): Promise<void> {
    await this.db.clear(STORE);
  }

  // Strictly increasing even when the clock does not move (many writes in one ms keep their order).
  private last = 0;
  private nextStamp(): number {
    this.last = Math.max(this.clock.now(), this.last + 1e-3);
    return this.last;
  }
}
