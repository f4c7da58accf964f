/** API additions the popup needs (issue 6): tab status. */
import { describe, expect, it } from 'vitest';
import { HOST, registeredWorld, reportContext, senders } from './fakes';

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
      recipients: { people: 1, devices: 1 },
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
