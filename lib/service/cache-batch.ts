/**
 * Message-cache reads for a whole display request: every digest read in ONE IndexedDB transaction and their
 * recently-used marks written in ONE more, instead of a read and a write transaction per message
 * (MessageCache.get). Same records, same sealing (AAD = store + digest), same LRU order (lastUsed).
 */
import type { OvercryptDB } from '../storage/db';
import type { Sealer } from '../storage/keystore';
import type { CachedMessage } from '../storage/message-cache';
import type { CacheRecord } from '../storage/schema';

const STORE = 'messageCache';

/** The cached messages among `digests` (absent ones are missing from the map); marks them recently used. */
export async function readCachedMany(db: OvercryptDB, sealer: Sealer, digests: readonly string[], now: number): Promise<Map<string, CachedMessage>> {
  const out = new Map<string, CachedMessage>();
  if (digests.length === 0) return out;
  const tx = db.transaction(STORE, 'readonly');
  const records = (await Promise.all([...digests.map((d) => tx.store.get(d)), tx.done]).then((r) => r.slice(0, digests.length))) as Array<CacheRecord | undefined>;
  const found = records.filter((r): r is CacheRecord => r !== undefined);
  if (found.length === 0) return out;
  const opened = await Promise.all(found.map((r) => sealer.open<CachedMessage>(STORE, r.digest, r.sealed)));
  found.forEach((r, i) => out.set(r.digest, opened[i]!));
  // In page order, each a little newer than the one before (the LRU keeps the order of use).
  const write = db.transaction(STORE, 'readwrite');
  found.forEach((r, i) => void write.store.put({ ...r, lastUsed: now + i * 1e-3 }));
  await write.done;
  return out;
}
