/** API additions the popup needs (issue 6): tab status. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolbarIcon } from '../../../lib/service';
import { HOST, PASSPHRASE, registeredWorld, reportContext, senders } from './fakes';

describe('tab/status', () => {
  it("answers the tab's last reported context with its status (conversation, encryption, recipients, warnings)", async () => {
    const t = await registeredWorld(); // tab 1 reported #chan with bob; encryption on
    const r = await t.call(senders.popup(), { type: 'tab/status', tabId: 1 });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.value).toMatchObject({
      host: HOST,
      adapterId: 'thelounge',
      conversationId: '#chan',
      siteEnabled: true,
      encryptionOn: true,
      recipients: { people: 0, devices: 0 }, // bob's device is not approved yet: nothing reaches it
      warnings: [{ kind: 'newDevice', identity: 'bob@irc' }],
    });
    expect(r.value.extraSiteAdapters).toBeUndefined();
  });

  it('is null for a tab that reported nothing, and after the tab closed', async () => {
    const t = await registeredWorld();
    expect((await t.call(senders.popup(), { type: 'tab/status', tabId: 7 })).value).toBeNull();
    await reportContext(t, 7);
    expect((await t.call(senders.popup(), { type: 'tab/status', tabId: 7 })).value).toMatchObject({ conversationId: '#chan' });
    await t.service.onTabClosed(7);
    expect((await t.call(senders.popup(), { type: 'tab/status', tabId: 7 })).value).toBeNull();
  });

  it('works while locked (no recipients then) and is refused to content scripts and frames', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'vault/lock' });
    const locked = await t.call(senders.popup(), { type: 'tab/status', tabId: 1 });
    expect(locked.value).toMatchObject({ host: HOST, locked: true, conversationId: '#chan' });
    expect(locked.value.recipients).toBeUndefined();
    expect(await t.call(senders.cs(), { type: 'tab/status', tabId: 1 })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(await t.call(senders.display(), { type: 'tab/status', tabId: 1 })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  });

  it('rejects a malformed tab id', async () => {
    const t = await registeredWorld();
    for (const tabId of [-1, 1.5, '1']) {
      expect(await t.call(senders.popup(), { type: 'tab/status', tabId: tabId as number })).toMatchObject({ ok: false, error: { code: 'Malformed' } });
    }
  });
});

describe('backup/status under policy', () => {
  it('says when policy requires a backup (first run cannot skip it), and not when backups are forbidden', async () => {
    const t = await registeredWorld();
    expect((await t.call(senders.popup(), { type: 'backup/status' })).value).toMatchObject({ allowed: true, required: false });
    t.policy.value = { requireKeyBackup: true };
    await t.service.onPolicyChanged();
    expect((await t.call(senders.popup(), { type: 'backup/status' })).value).toMatchObject({ allowed: true, required: true });
    t.policy.value = { requireKeyBackup: true, allowKeyBackup: false };
    await t.service.onPolicyChanged();
    expect((await t.call(senders.popup(), { type: 'backup/status' })).value).toMatchObject({ allowed: false, required: false });
  });
});

describe('toolbar icon by lock state', () => {
  it('the notifier hears every lock and unlock (explicit and auto-lock); the icon paths exist', async () => {
    const t = await registeredWorld();
    const states: boolean[] = [];
    (t.notifier as unknown as { lockState(l: boolean): Promise<void> }).lockState = async (l) => void states.push(l);
    await t.call(senders.popup(), { type: 'vault/lock' });
    await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    t.clock.advance(16 * 60_000); // past the default 15-minute auto-lock
    await t.call(senders.popup(), { type: 'status/get' });
    expect(states).toEqual([true, false, true]);
    for (const locked of [true, false]) {
      for (const file of Object.values(toolbarIcon(locked))) expect(existsSync(path.join('public', file)), file).toBe(true);
    }
    expect(toolbarIcon(true)['16']).toContain('locked-16');
    expect(toolbarIcon(false)['48']).toContain('unlocked-48');
  });
});

describe('settings/get', () => {
  it('carries a reason for every locked key', async () => {
    const t = await registeredWorld();
    t.policy.value = { autoLockMinutes: 5 };
    await t.service.onPolicyChanged();
    const view = (await t.call(senders.popup(), { type: 'settings/get' })).value;
    expect(view.locked).toEqual(['autoLockMinutes']);
    expect(view.lockedReasons).toEqual({ autoLockMinutes: expect.stringMatching(/organisation/) });
  });
});
