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
/**
 * An entry read again within this long of its last mark keeps that mark: the eviction order is exact to a minute,
 * and re-showing a page just seen (a reload, a channel switched back to) writes nothing.
 */
export const MARK_AGAIN_AFTER_MS = 60_000;
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
    if (this.markDue(record)) await this.db.put(STORE, { ...record, lastUsed: this.nextStamp() });
    return value;
  }

  /**
   * The cached messages among `digests` (absent ones are missing from the map), for a whole display request: all
   * read in ONE transaction and their recently-used marks (those due, MARK_AGAIN_AFTER_MS) written in ONE more, in
   * the order given (page order). The answer does not wait for the marks to be durable (in Chromium that commit is most of a cached region's
   * time): IndexedDB runs a later transaction on the store only after this one, so every later read, put or trim
   * sees them; a worker stopped before the commit only loses marks, which order evictions and hold no message.
   */
  async getMany(digests: readonly string[]): Promise<Map<string, CachedMessage>> {
    const out = new Map<string, CachedMessage>();
    if (digests.length === 0) return out;
    const tx = this.db.transaction(STORE, 'readonly');
    const records = (await Promise.all([...digests.map((d) => tx.store.get(d)), tx.done])).slice(0, digests.length) as Array<CacheRecord | undefined>;
    const found = records.filter((r): r is CacheRecord => r !== undefined);
    if (found.length === 0) return out;
    const opened = await Promise.all(found.map((r) => this.sealer.open<CachedMessage>(STORE, r.digest, r.sealed)));
    found.forEach((r, i) => out.set(r.digest, opened[i]!));
    const due = found.filter((r) => this.markDue(r));
    if (due.length === 0) return out;
    const write = this.db.transaction(STORE, 'readwrite');
    for (const r of due) void write.store.put({ ...r, lastUsed: this.nextStamp() }).catch(() => undefined);
    void write.done.catch(() => undefined); // marks only: see above
    return out;
  }

  /**
   * Evicts the least recently used entries beyond the limit; returns how many went. For entries committed outside
   * `put` (an engine's session step writes the plaintext in the same transaction as the key it consumed).
   */
  async trim(): Promise<number> {
    const excess = (await this.db.count(STORE)) - this.limit;
    if (excess <= 0) return 0;
    const tx = this.db.transaction(STORE, 'readwrite');
    let left = excess;
    for (let c = await tx.store.index('byLastUsed').openCursor(); c && left > 0; c = await c.continue()) {
      void c.delete();
      left--;
    }
    await tx.done;
    return excess - left;
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

  private markDue(record: CacheRecord): boolean {
    return this.clock.now() - record.lastUsed >= MARK_AGAIN_AFTER_MS;
  }

  // Strictly increasing even when the clock does not move (many writes in one ms keep their order).
  private last = 0;
  private nextStamp(): number {
    this.last = Math.max(this.clock.now(), this.last + 1e-3);
    return this.last;
  }
}
