import { describe, expect, it } from 'vitest';
import { ephemeralStore, managedPolicySource, sessionKeyStore, type StorageAreaLike } from '../../../lib/service';

/** A fake chrome.storage area with JSON semantics. */
function fakeArea(): StorageAreaLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    async get(keys) {
      const wanted = keys === null || keys === undefined ? [...data.keys()] : Array.isArray(keys) ? keys : [keys];
      return Object.fromEntries(wanted.filter((k) => data.has(k)).map((k) => [k, JSON.parse(data.get(k)!)]));
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, JSON.stringify(v));
    },
    async remove(keys) {
      for (const k of Array.isArray(keys) ? keys : [keys]) data.delete(k);
    },
  };
}

describe('storage adapters', () => {
  it('session key store round-trips and clears; ignores junk', async () => {
    const area = fakeArea();
    const s = sessionKeyStore(area);
    expect(await s.load()).toBeUndefined();
    await s.save({ key: 'AAAA', lastActivity: 5 });
    expect(await s.load()).toEqual({ key: 'AAAA', lastActivity: 5 });
    await s.clear();
    expect(await s.load()).toBeUndefined();
    await area.set({ 'overcrypt/vault-key': { key: 1 } });
    expect(await s.load()).toBeUndefined();
  });

  it('ephemeral store lists by prefix and clears only its own keys', async () => {
    const area = fakeArea();
    await area.set({ 'overcrypt/vault-key': { key: 'k', lastActivity: 1 } });
    const e = ephemeralStore(area);
    await e.set('job:h:1', { a: 1 });
    await e.set('job:c:2', { b: 2 });
    await e.set('ctx:1:0', { c: 3 });
    expect((await e.keys('job:')).sort()).toEqual(['job:c:2', 'job:h:1']);
    expect(await e.get('job:c:2')).toEqual({ b: 2 });
    await e.delete('job:c:2');
    expect(await e.get('job:c:2')).toBeUndefined();
    await e.setMany({ 'job:d:3': { d: 3 }, 'dtab:1:3': 1 });
    expect(area.data.get('overcrypt/eph/job:d:3')).toBe('{"d":3}');
    await e.deleteMany(['job:d:3', 'dtab:1:3']);
    await e.deleteMany([]);
    expect(await e.get('job:d:3')).toBeUndefined();
    expect((await e.keys('')).sort()).toEqual(['ctx:1:0', 'job:h:1']);
    await e.clear();
    expect(await e.keys('')).toEqual([]);
    expect(area.data.has('overcrypt/vault-key')).toBe(true);
  });

  it('managed policy source: absent or failing area means no policy', async () => {
    expect(await managedPolicySource(undefined).read()).toBeUndefined();
    expect(await managedPolicySource({ get: async () => { throw new Error('no schema'); } }).read()).toBeUndefined();
    expect(await managedPolicySource({ get: async () => ({ prekeyTarget: 120 }) }).read()).toEqual({ prekeyTarget: 120 });
  });
});
