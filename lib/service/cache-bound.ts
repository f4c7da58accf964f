/**
 * The message cache's size bound for entries committed outside MessageCache.put (an engine's session step writes
 * the plaintext in the same transaction as the key it consumed, env.cacheWrite): one count per display request
 * that decrypted something, and an eviction of the least recently used only when over the bound.
 */
import type { OvercryptDB } from '../storage/db';

/** Evicts the least recently used entries beyond `limit`; returns how many went. */
export async function trimMessageCache(db: OvercryptDB, limit: number): Promise<number> {
  const excess = (await db.count('messageCache')) - limit;
  if (excess <= 0) return 0;
  const tx = db.transaction('messageCache', 'readwrite');
  let left = excess;
  for (let c = await tx.store.index('byLastUsed').openCursor(); c && left > 0; c = await c.continue()) {
    void c.delete();
    left--;
  }
  await tx.done;
  return excess - left;
}
