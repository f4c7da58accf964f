import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { openStorage, MIGRATIONS, SEALED_STORES, ciphertextDigest, type Migration } from '../../../lib/storage';
import { makeHarness, uniqueDbName } from '../vault/fixtures';
import { MARK_AGAIN_AFTER_MS, MessageCache } from '../../../lib/storage/message-cache';
import { contains, rawDump } from './raw-dump';

const enc = (s: string) => new TextEncoder().encode(s);

describe('storage schema and migrations', () => {
  it('creates every store at version 1', async () => {
    const name = uniqueDbName();
    const db = await openStorage({ name });
    expect(db.version).toBe(MIGRATIONS.length);
    expect(Array.from(db.objectStoreNames).sort()).toEqual([...SEALED_STORES, 'messageCache', 'meta'].sort());
    db.close();
  });

  it('a later migration runs once over existing data and keeps it', async () => {
    const name = uniqueDbName();
    const v1 = await openStorage({ name });
    await v1.put('meta', 'kept', 'probe');
    v1.close();
    let runs = 0;
    const v2: Migration = {
      to: 2,
      describe: 'test: add an index',
      run(_db, tx) {
        runs++;
        tx.objectStore('meta');
      },
    };
    const db2 = await openStorage({ name, migrations: [...MIGRATIONS, v2] });
    expect(db2.version).toBe(2);
    expect(await db2.get('meta', 'probe')).toBe('kept');
    db2.close();
    const again = await openStorage({ name, migrations: [...MIGRATIONS, v2] });
    again.close();
    expect(runs).toBe(1);
  });

  it('refuses a migration list with a gap', async () => {
    await expect(openStorage({ name: uniqueDbName(), migrations: [{ ...MIGRATIONS[0]!, to: 2 }] })).rejects.toThrow();
  });
});

describe('keystore at rest', () => {
  it('nothing readable in the raw database: no plaintext, no key bytes, no passphrase', async () => {
    const h = await makeHarness();
    await h.vault.create('passphrase-XYZ');
    const privateKey = crypto.getRandomValues(new Uint8Array(32));
    const plaintext = 'hello bob, the meeting is at noon';
    await h.keystore.put('deviceKeys', 'identity', { privateKey, identity: 'alice@net' });
    await h.keystore.put('sessions', 'bob-card', { rootKey: privateKey.slice(0, 16), counter: 7 });
    await h.keystore.put('settings', 'user', { securityPattern: 'blue-fox' });
    const digest = await ciphertextDigest(['ARMOR-PART-1']);
    await h.cache.put(digest, { plaintext, header: { sender: 'alice@net' }, direction: 'sent' });
    h.db.close();

    const raw = await rawDump(h.name);
    expect(raw.length).toBeGreaterThan(200);
    expect(contains(raw, enc(plaintext))).toBe(false);
    expect(contains(raw, enc('meeting'))).toBe(false);
    expect(contains(raw, privateKey)).toBe(false);
    expect(contains(raw, privateKey.slice(0, 16))).toBe(false);
    expect(contains(raw, enc(btoa(String.fromCharCode(...privateKey))))).toBe(false);
    expect(contains(raw, enc('alice@net'))).toBe(false);
    expect(contains(raw, enc('blue-fox'))).toBe(false);
    expect(contains(raw, enc('passphrase-XYZ'))).toBe(false);
    // The helper does find what is there in clear (the digest key): the check can fail.
    expect(contains(raw, enc(digest))).toBe(true);
  });

  it('reads back what it wrote, and lists all records of a store', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    await h.keystore.commit([
      { store: 'contacts', key: 'a', value: { n: 1 } },
      { store: 'contacts', key: 'b', value: { n: 2 } },
      { store: 'groups', key: 'g', value: ['x'] },
    ]);
    expect(await h.keystore.get('contacts', 'b')).toEqual({ n: 2 });
    expect((await h.keystore.all<{ n: number }>('contacts')).map((r) => r.value.n).sort()).toEqual([1, 2]);
    await h.keystore.commit([{ store: 'contacts', key: 'a', value: undefined }]);
    expect(await h.keystore.keys('contacts')).toEqual(['b']);
  });

  it('a commit is atomic: a failing write leaves every store unchanged', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    await h.keystore.put('sessions', 's1', { counter: 1 });
    // A value the codec cannot serialise makes sealing throw before anything is written.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(
      h.keystore.commit([
        { store: 'sessions', key: 's1', value: { counter: 2 } },
        { store: 'groups', key: 'g', value: cyclic },
      ]),
    ).rejects.toThrow();
    expect(await h.keystore.get('sessions', 's1')).toEqual({ counter: 1 });
    expect(await h.keystore.get('groups', 'g')).toBeUndefined();
  });

  it('a record copied under another key does not open', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    await h.keystore.put('sessions', 'bob', { k: 1 });
    const raw = await openDB(h.name);
    await raw.put('sessions', await raw.get('sessions', 'bob'), 'mallory');
    raw.close();
    await expect(h.keystore.get('sessions', 'mallory')).rejects.toMatchObject({ code: 'Tampered' });
  });
});

describe('message cache (LRU)', () => {
  it('stays within its bound and evicts the least recently used first', async () => {
    const h = await makeHarness({ cacheLimit: 5 });
    await h.vault.create('pw');
    const digests = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => ciphertextDigest([`armor-${i}`])));
    for (let i = 0; i < 5; i++) {
      await h.cache.put(digests[i]!, { plaintext: `m${i}`, header: {}, direction: 'received' });
      h.clock.advance(1);
    }
    // Reading 0 (a minute later: marks are exact to MARK_AGAIN_AFTER_MS) makes it the most recent; 1 is now the oldest.
    h.clock.advance(MARK_AGAIN_AFTER_MS);
    expect((await h.cache.get(digests[0]!))?.plaintext).toBe('m0');
    h.clock.advance(1);
    await h.cache.put(digests[5]!, { plaintext: 'm5', header: {}, direction: 'received' });
    h.clock.advance(1);
    await h.cache.put(digests[6]!, { plaintext: 'm6', header: {}, direction: 'received' });
    expect(await h.cache.count()).toBe(5);
    expect(await h.cache.get(digests[1]!)).toBeUndefined();
    expect(await h.cache.get(digests[2]!)).toBeUndefined();
    expect((await h.cache.get(digests[0]!))?.plaintext).toBe('m0');
    expect((await h.cache.get(digests[6]!))?.plaintext).toBe('m6');
  });

  it('getMany reads several entries at once, skips absent ones and marks them used in the order given', async () => {
    const h = await makeHarness({ cacheLimit: 3 });
    await h.vault.create('pw');
    const d = await Promise.all(['a', 'b', 'c', 'x'].map((s) => ciphertextDigest([s])));
    for (const x of d.slice(0, 3)) await h.cache.put(x, { plaintext: `p-${x.slice(0, 4)}`, header: {}, direction: 'received' });
    h.clock.advance(MARK_AGAIN_AFTER_MS + 1);
    const got = await h.cache.getMany([d[1]!, d[3]!, d[0]!]);
    expect([...got.keys()]).toEqual([d[1], d[0]]);
    expect(got.get(d[0]!)?.plaintext).toBe(`p-${d[0]!.slice(0, 4)}`);
    // c is now the least recently used: the next put evicts it, not a or b.
    await h.cache.put(d[3]!, { plaintext: 'x', header: {}, direction: 'received' });
    expect(await h.cache.get(d[2]!)).toBeUndefined();
    expect((await h.cache.getMany([d[0]!, d[1]!])).size).toBe(2);
  });

  it('reading again within MARK_AGAIN_AFTER_MS keeps the marks (nothing written); later reads mark again', async () => {
    const h = await makeHarness({ cacheLimit: 2 });
    await h.vault.create('pw');
    const d = await Promise.all(['a', 'b', 'c'].map((s) => ciphertextDigest([s])));
    for (const x of d.slice(0, 2)) await h.cache.put(x, { plaintext: x, header: {}, direction: 'received' });
    const marks = async () => {
      const raw = await openDB(h.name);
      const out = await Promise.all(d.slice(0, 2).map(async (x) => (await raw.get('messageCache', x))?.lastUsed as number));
      raw.close();
      return out;
    };
    const before = await marks();
    h.clock.advance(MARK_AGAIN_AFTER_MS - 1);
    expect((await h.cache.getMany([d[0]!, d[1]!])).size).toBe(2);
    expect((await h.cache.get(d[0]!))?.plaintext).toBe(d[0]);
    expect(await marks()).toEqual(before);
    h.clock.advance(1);
    expect((await h.cache.getMany([d[0]!])).size).toBe(1);
    // The next transaction on the store runs after the (unawaited) marks: a is now newer than b, so b goes first.
    await h.cache.put(d[2]!, { plaintext: d[2]!, header: {}, direction: 'received' });
    expect(await h.cache.get(d[1]!)).toBeUndefined();
    expect((await h.cache.get(d[0]!))?.plaintext).toBe(d[0]);
    const [a] = await marks();
    expect(a).toBeGreaterThan(before[0]!);
  });

  it('trim evicts the least recently used beyond the limit (entries written outside put)', async () => {
    const h = await makeHarness({ cacheLimit: 2 });
    await h.vault.create('pw');
    const d = await Promise.all(['a', 'b', 'c', 'd'].map((s) => ciphertextDigest([s])));
    // Written the way an engine commit does (no eviction on the way in).
    const roomy = new MessageCache(h.db, h.vault, h.clock, 100);
    for (const x of d) await roomy.put(x, { plaintext: x, header: {}, direction: 'received' });
    expect(await h.cache.count()).toBe(4);
    expect(await h.cache.trim()).toBe(2);
    expect(await h.cache.trim()).toBe(0);
    expect(await h.cache.get(d[0]!)).toBeUndefined();
    expect((await h.cache.get(d[3]!))?.plaintext).toBe(d[3]);
  });

  it('keeps the order of many writes within one clock tick', async () => {
    const h = await makeHarness({ cacheLimit: 3 });
    await h.vault.create('pw');
    const d = await Promise.all(['a', 'b', 'c', 'd'].map((s) => ciphertextDigest([s])));
    for (const x of d) await h.cache.put(x, { plaintext: x, header: {}, direction: 'sent' });
    expect(await h.cache.get(d[0]!)).toBeUndefined();
    expect(await h.cache.count()).toBe(3);
  });

  it('the digest depends on every part and their order', async () => {
    expect(await ciphertextDigest(['a', 'b'])).not.toBe(await ciphertextDigest(['b', 'a']));
    expect(await ciphertextDigest(['ab'])).not.toBe(await ciphertextDigest(['a', 'b']));
    expect(await ciphertextDigest(['x'])).toMatch(/^[0-9a-f]{64}$/);
  });
});
