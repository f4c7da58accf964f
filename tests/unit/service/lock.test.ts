import { describe, expect, it } from 'vitest';
import { armorFound, makeWorld, PASSPHRASE, registeredWorld, reportContext, senders } from './fakes';

const armor = (t: Awaited<ReturnType<typeof makeWorld>>) => armorFound(t, [['OC1xyz']], { conversationId: '#chan' });
/** A page-driven request (no user activity) that says whether the vault is locked. */
const pageSaysLocked = async (t: Awaited<ReturnType<typeof makeWorld>>) =>
  (await t.call(senders.cs(), { type: 'page/status', host: 'chat.example', conversationId: '#chan' })).value.locked as boolean;
/** What our display frame is told for a fresh armor: its region's gate. */
const displayBadge = async (t: Awaited<ReturnType<typeof makeWorld>>) =>
  (await t.call(senders.display(), { type: 'display/open', handle: (await armor(t)).value.handle })).value.gate as string;

describe('lock, unlock, auto-lock', () => {
  it('before registration: NotRegistered for everything but status, setup and page reports', async () => {
    const t = await makeWorld();
    expect(await t.call(senders.popup(), { type: 'contacts/list' })).toMatchObject({ error: { code: 'NotRegistered' } });
    expect((await t.call(senders.popup(), { type: 'status/get' })).value).toMatchObject({ registered: false, locked: true });
  });

  it('locked: requests answer Locked; unlock makes them work; a wrong passphrase says WrongPassword', async () => {
    const t = await registeredWorld();
    expect((await armor(t)).ok).toBe(true);
    await t.call(senders.popup(), { type: 'vault/lock' });
    // Armor is still registered (no crypto); its frame is told "locked" (see locked-display.test.ts).
    expect(await displayBadge(t)).toBe('locked');
    expect(await t.call(senders.cs(), { type: 'compose/open', host: 'chat.example', conversationId: '#chan' })).toMatchObject({ ok: false, error: { code: 'Locked' } });
    expect(await t.call(senders.popup(), { type: 'settings/get' })).toMatchObject({ error: { code: 'Locked' } });
    expect((await t.call(senders.cs(), { type: 'page/status', host: 'chat.example', conversationId: '#chan' })).value).toMatchObject({ locked: true });
    expect(await t.call(senders.popup(), { type: 'vault/unlock', passphrase: 'nope' })).toMatchObject({ error: { code: 'WrongPassword' } });
    expect((await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE })).value).toMatchObject({ locked: false, identity: 'alice@irc' });
    expect((await armor(t)).ok).toBe(true);
    expect(t.notifier.broadcasts.some((p) => p.push === 'status/changed' && p.locked)).toBe(true);
  });

  it('auto-locks after the idle time although a page keeps injecting armor', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10_000);
      expect((await armor(t)).ok).toBe(true); // page-driven: does not postpone the lock
    }
    t.clock.advance(10_000); // 60 s since the last user action
    expect(await pageSaysLocked(t)).toBe(true);
    const lockPushes = () => t.notifier.broadcasts.filter((p) => p.push === 'status/changed' && p.locked).length;
    expect(lockPushes()).toBe(1); // announced once, not on every later request
    await armor(t);
    await armor(t);
    expect(lockPushes()).toBe(1);
    expect(await t.sessionKeys.load()).toBeUndefined();
  });

  it('popup activity postpones the auto-lock', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    t.clock.advance(50_000);
    await t.call(senders.popup(), { type: 'status/get' });
    t.clock.advance(50_000);
    expect(await pageSaysLocked(t)).toBe(false);
  });

  it('the alarm locks an idle vault even with no request at all', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 2 } });
    t.clock.advance(2 * 60_000 + 1);
    const report = await t.service.onAlarm('overcrypt/maintenance');
    expect(report.skipped).toBe('locked');
    expect(t.service.vault.isUnlocked()).toBe(false);
  });

  it('worker restart: resumes unlocked from the session store; idle time still counts across the restart', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    const t2 = await t.restart();
    expect((await t2.call(senders.popup(), { type: 'status/get' })).value).toMatchObject({ locked: false, identity: 'alice@irc', autoLockMinutes: 1 });
    t2.clock.advance(61_000);
    const t3 = await t2.restart();
    expect(await pageSaysLocked(t3)).toBe(true);
    expect(await displayBadge(t3)).toBe('locked');
  });

  it('browser restart: locked, data intact after unlock', async () => {
    const t = await registeredWorld();
    const t2 = await t.restart({ newBrowserSession: true });
    expect((await t2.call(senders.popup(), { type: 'status/get' })).value).toMatchObject({ registered: true, locked: true });
    expect(await displayBadge(t2)).toBe('locked');
    await t2.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    await reportContext(t2);
    const sites = await t2.call(senders.popup(), { type: 'sites/list' });
    expect(sites.value).toEqual([expect.objectContaining({ host: 'chat.example', enabled: true })]);
  });

  it('logout without a backup needs confirmation, then wipes everything', async () => {
    const t = await registeredWorld();
    expect(await t.call(senders.popup(), { type: 'account/logout', revokeCard: false })).toMatchObject({ error: { code: 'Conflict' } });
    expect((await t.call(senders.popup(), { type: 'account/logout', revokeCard: false, confirmWithoutBackup: true })).ok).toBe(true);
    expect((await t.call(senders.popup(), { type: 'status/get' })).value).toMatchObject({ registered: false, locked: true });
    const { openDB } = await import('idb');
    const db = await openDB(t.dbName);
    for (const store of Array.from(db.objectStoreNames)) expect(await db.count(store), store).toBe(0);
    db.close();
  });

  it('a forgotten passphrase can still wipe locally (never revoke) while locked', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'vault/lock' });
    expect(await t.call(senders.popup(), { type: 'account/logout', revokeCard: true, confirmWithoutBackup: true })).toMatchObject({ error: { code: 'Locked' } });
    expect((await t.call(senders.popup(), { type: 'account/logout', revokeCard: false, confirmWithoutBackup: true })).ok).toBe(true);
    expect((await t.call(senders.popup(), { type: 'status/get' })).value).toMatchObject({ registered: false });
  });
});
