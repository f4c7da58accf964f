/** Test helper: every byte and string stored in an IndexedDB database, flattened, for "nothing readable" checks. */
import { openDB } from 'idb';

export async function rawDump(name: string): Promise<Uint8Array> {
  const db = await openDB(name);
  const chunks: Uint8Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) chunks.push(v);
    else if (v instanceof ArrayBuffer) chunks.push(new Uint8Array(v));
    else if (typeof v === 'string') chunks.push(new TextEncoder().encode(v));
    else if (typeof v === 'number') chunks.push(new TextEncoder().encode(String(v)));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => (walk(k), walk(x)));
  };
  for (const store of Array.from(db.objectStoreNames)) {
    const tx = db.transaction(store);
    for (let c = await tx.store.openCursor(); c; c = await c.continue()) {
      walk(c.key);
      walk(c.value);
    }
  }
  db.close();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}

export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
