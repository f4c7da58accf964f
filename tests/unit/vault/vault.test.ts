import { describe, expect, it } from 'vitest';
import { ErrorCode, isError } from '../../../lib/errors';
import { InMemorySessionKeyStore, Vault, KDF_FLOOR, checkKdfParams, deriveKek, newKdfParams } from '../../../lib/vault';
import { FakeClock, makeHarness, TEST_FLOOR } from './fixtures';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isError(e) ? e.code : 'not an OvercryptError';
  }
}

describe('vault', () => {
  it('seals and opens a record; wrong store or key in the AAD fails as Tampered', async () => {
    const h = await makeHarness();
    await h.vault.create('correct horse');
    const rec = await h.vault.seal('sessions', 'bob', { n: 3, key: new Uint8Array([1, 2, 3]) });
    expect(await h.vault.open('sessions', 'bob', rec)).toEqual({ n: 3, key: new Uint8Array([1, 2, 3]) });
    expect(await codeOf(h.vault.open('sessions', 'carol', rec))).toBe(ErrorCode.Tampered);
    expect(await codeOf(h.vault.open('contacts', 'bob', rec))).toBe(ErrorCode.Tampered);
    const flipped = { ...rec, ct: rec.ct.slice() };
    flipped.ct[0]! ^= 1;
    expect(await codeOf(h.vault.open('sessions', 'bob', flipped))).toBe(ErrorCode.Tampered);
  });

  it('locks: sealing and opening answer Locked; the session store is cleared', async () => {
    const h = await makeHarness();
    await h.vault.create('pw-1');
    const rec = await h.vault.seal('settings', 'user', { a: 1 });
    expect(await h.session.load()).toBeDefined();
    await h.vault.lock();
    expect(h.vault.isUnlocked()).toBe(false);
    expect(await h.session.load()).toBeUndefined();
    expect(await codeOf(h.vault.open('settings', 'user', rec))).toBe(ErrorCode.Locked);
    expect(await codeOf(h.vault.seal('settings', 'user', {}))).toBe(ErrorCode.Locked);
  });

  it('unlocks with the right passphrase only', async () => {
    const h = await makeHarness();
    await h.vault.create('right one');
    const rec = await h.vault.seal('contacts', 'x', 'secret value');
    await h.vault.lock();
    expect(await codeOf(h.vault.unlock('wrong one'))).toBe(ErrorCode.WrongPassword);
    expect(h.vault.isUnlocked()).toBe(false);
    await h.vault.unlock('right one');
    expect(await h.vault.open('contacts', 'x', rec)).toBe('secret value');
  });

  it('a restarted worker resumes from the session store without the passphrase', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    const rec = await h.vault.seal('groups', 'g', [1, 2]);
    // A new Vault object over the same database and session store = the worker restarted.
    const restarted = new Vault({ header: h.meta.vaultHeader(), session: h.session, clock: h.clock, floor: TEST_FLOOR });
    expect(restarted.isUnlocked()).toBe(false);
    expect(await restarted.resume(15)).toBe(true);
    expect(await restarted.open('groups', 'g', rec)).toEqual([1, 2]);
  });

  it('the session store holds the data key, never the passphrase', async () => {
    const h = await makeHarness();
    await h.vault.create('my very own passphrase');
    const state = JSON.stringify(await h.session.load());
    expect(state).not.toContain('my very own passphrase');
    expect(JSON.parse(state).key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('auto-locks after the idle time; user activity postpones it', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    h.clock.advance(4 * 60_000);
    expect(await h.vault.checkIdle(5)).toBe(false);
    await h.vault.touch();
    h.clock.advance(4 * 60_000);
    expect(await h.vault.checkIdle(5)).toBe(false); // 4 min since the touch
    h.clock.advance(61_000);
    expect(await h.vault.checkIdle(5)).toBe(true);
    expect(h.vault.isUnlocked()).toBe(false);
    expect(await h.session.load()).toBeUndefined();
  });

  it('a worker waking after the idle time does not resume, and wipes the stored key', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    h.clock.advance(2 * 60_000);
    const restarted = new Vault({ header: h.meta.vaultHeader(), session: h.session, clock: h.clock, floor: TEST_FLOOR });
    expect(await restarted.resume(1)).toBe(false);
    expect(await h.session.load()).toBeUndefined();
  });

  it('activity is persisted so a restarted worker keeps the later deadline', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    h.clock.advance(50_000);
    await h.vault.touch();
    h.clock.advance(50_000); // 100 s since unlock, 50 s since activity
    const restarted = new Vault({ header: h.meta.vaultHeader(), session: h.session, clock: h.clock, floor: TEST_FLOOR });
    expect(await restarted.resume(1.5)).toBe(true);
  });

  it('lock listeners run once per lock', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    let calls = 0;
    h.vault.onLock(() => calls++);
    await h.vault.lock();
    await h.vault.lock();
    expect(calls).toBe(1);
  });

  it('changing the passphrase keeps every record readable', async () => {
    const h = await makeHarness();
    await h.vault.create('old pass');
    const rec = await h.vault.seal('deviceKeys', 'k', 'v');
    await h.vault.changePassphrase('old pass', 'new pass');
    await h.vault.lock();
    expect(await codeOf(h.vault.unlock('old pass'))).toBe(ErrorCode.WrongPassword);
    await h.vault.unlock('new pass');
    expect(await h.vault.open('deviceKeys', 'k', rec)).toBe('v');
  });

  it('refuses stored KDF parameters below the floor (600,000 PBKDF2 iterations by default)', async () => {
    expect(() => checkKdfParams({ name: 'pbkdf2-sha256', iterations: 599_999, salt: btoa('0123456789abcdef') })).toThrow();
    expect(() => checkKdfParams(newKdfParams())).not.toThrow();
    expect(newKdfParams()).toMatchObject({ name: 'pbkdf2-sha256', iterations: KDF_FLOOR.pbkdf2Iterations });
    const h = await makeHarness();
    await h.vault.create('pw');
    // Production vault over the test vault's (weak) header: unlock refuses before deriving anything.
    const strict = new Vault({ header: h.meta.vaultHeader(), session: new InMemorySessionKeyStore(), clock: new FakeClock() });
    expect(await codeOf(strict.unlock('pw'))).toBe(ErrorCode.WeakKdfParams);
  });

  it('derives with the real default cost (PBKDF2-SHA256, 600,000 iterations) and with Argon2id', async () => {
    const p = newKdfParams();
    const a = await deriveKek('pw', p);
    const b = await deriveKek('pw', p);
    expect(a).toEqual(b);
    expect(a).toHaveLength(32);
    const argon = newKdfParams('argon2id', { memoryKiB: 1024, iterations: 1 });
    const k1 = await deriveKek('pw', argon, TEST_FLOOR);
    expect(k1).toHaveLength(32);
    expect(k1).not.toEqual(await deriveKek('pw2', argon, TEST_FLOOR));
  });
});

describe('blinded record keys', () => {
  it('are stable per vault, differ between vaults, hide the label, and need the vault unlocked', async () => {
    const h = await makeHarness();
    await h.vault.create('pw');
    const a = await h.vault.blindKey('roster\0chat|#chan');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.vault.blindKey('roster\0chat|#chan')).toBe(a);
    expect(await h.vault.blindKey('roster\0chat|#other')).not.toBe(a);
    const restarted = new Vault({ header: h.meta.vaultHeader(), session: h.session, clock: h.clock, floor: TEST_FLOOR });
    await restarted.resume(15);
    expect(await restarted.blindKey('roster\0chat|#chan')).toBe(a);
    const other = await makeHarness();
    await other.vault.create('pw');
    expect(await other.vault.blindKey('roster\0chat|#chan')).not.toBe(a);
    await h.vault.lock();
    await expect(h.vault.blindKey('x')).rejects.toMatchObject({ code: 'Locked' });
  });
});
