import { describe, expect, it } from 'vitest';
import { HELD_DISPLAY_TTL_MS, HANDLE_TTL_MS } from '../../../lib/service/jobs';
import { HOST, PASSPHRASE, registeredWorld, senders, type TestWorld } from './fakes';
import type { SenderInfo } from '../../../lib/service';


/** Bob's message to alice in the fake engine's format (decrypts for alice's device). */
function bobsArmor(id = 'bob-1', text = 'hi alice'): string[] {
  const body = Buffer.from(new TextEncoder().encode(text).map((x) => x ^ 0x5a)).toString('base64');
  const armor = { messageId: id, conversationId: '#chan', sender: 'bob@irc', senderCard: 'b0'.repeat(32), counters: { ['a1'.repeat(32)]: 0 }, body };
  return ['OC1' + Buffer.from(JSON.stringify(armor)).toString('base64')];
}

const frameIn = (tab: number, frame: number, doc: string): SenderInfo => ({ ...senders.display(tab, frame), documentId: doc });

async function lockedWithArmor(t: TestWorld, parts = bobsArmor()) {
  await t.call(senders.popup(), { type: 'vault/lock' });
  const found = await t.call(senders.cs(), { type: 'armor/found', host: HOST, conversationId: '#chan', pageAuthor: 'bob', parts });
  expect(found.ok, JSON.stringify(found.error)).toBe(true);
  return found.value.handle as string;
}

const fetch = (t: TestWorld, handle: string, sender: SenderInfo = frameIn(1, 6, 'doc-a')) =>
  t.call(sender, { type: 'display/fetch', handle });

describe('display while locked', () => {
  it('armor/found works locked; display/fetch answers a locked badge without using up the handle; after unlock it shows', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    expect(await fetch(t, handle)).toEqual({ ok: true, value: { ok: false, badge: { kind: 'locked' } } });
    expect(await fetch(t, handle)).toEqual({ ok: true, value: { ok: false, badge: { kind: 'locked' } } }); // again: still there
    expect((await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE })).ok).toBe(true);
    const shown = await fetch(t, handle);
    expect(shown.value).toMatchObject({ ok: true, plaintext: 'hi alice', senderName: 'bob@irc' });
    expect(await fetch(t, handle)).toMatchObject({ error: { code: 'NotFound' } }); // used up by the real fetch
  });

  it('the locked answer holds the job for the frame that asked: another frame or document of the tab is refused', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    expect((await fetch(t, handle, frameIn(1, 6, 'doc-a'))).value.badge.kind).toBe('locked');
    expect(await fetch(t, handle, frameIn(1, 7, 'doc-b'))).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await fetch(t, handle, frameIn(1, 6, 'doc-other'))).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await fetch(t, handle, frameIn(2, 6, 'doc-a'))).toMatchObject({ error: { code: 'Forbidden' } });
    await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    expect(await fetch(t, handle, frameIn(1, 7, 'doc-b'))).toMatchObject({ error: { code: 'Forbidden' } });
    expect((await fetch(t, handle, frameIn(1, 6, 'doc-a'))).value).toMatchObject({ ok: true, plaintext: 'hi alice' });
  });

  it('a held job outlives the normal handle lifetime until the unlock; an unfetched one does not', async () => {
    const t = await registeredWorld();
    const held = await lockedWithArmor(t);
    const idle = (await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: bobsArmor('bob-2', 'second') })).value.handle as string;
    expect((await fetch(t, held)).value.badge.kind).toBe('locked');
    t.clock.advance(HANDLE_TTL_MS * 6); // half an hour locked
    expect((await fetch(t, held)).value.badge.kind).toBe('locked');
    await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    expect((await fetch(t, held)).value).toMatchObject({ ok: true, plaintext: 'hi alice' });
    expect(await fetch(t, idle, frameIn(1, 8, 'doc-c'))).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('held jobs still expire, and the sweep drops them', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    await fetch(t, handle);
    t.clock.advance(HELD_DISPLAY_TTL_MS + 1);
    expect(await t.service.jobs.sweep()).toBeGreaterThanOrEqual(1);
    expect(await fetch(t, handle)).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('closing the tab drops its held jobs at once (and only its own)', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    const other = (await t.call(senders.cs(2), { type: 'armor/found', host: HOST, parts: bobsArmor('bob-9', 'tab two') })).value.handle as string;
    await fetch(t, handle);
    await fetch(t, other, frameIn(2, 6, 'doc-t2'));
    await t.service.onTabClosed(1);
    await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE });
    expect(await fetch(t, handle)).toMatchObject({ error: { code: 'NotFound' } });
    expect((await fetch(t, other, frameIn(2, 6, 'doc-t2'))).value).toMatchObject({ ok: true, plaintext: 'tab two' });
  });

  it('on a site the user enabled, locked shows "locked" (the sealed site list is unknown), not click-to-decrypt', async () => {
    const t = await registeredWorld(); // chat.example enabled by the user (sealed settings)
    const handle = await lockedWithArmor(t);
    expect((await fetch(t, handle)).value.badge).toEqual({ kind: 'locked' });
    // No plaintext or header in any locked answer.
    expect(JSON.stringify(await fetch(t, handle))).not.toContain('hi alice');
  });

  it('page-driven armor/found and display/fetch never postpone the auto-lock', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10_000);
      const handle = (await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: bobsArmor(`m${i}`, `text ${i}`) })).value.handle;
      expect((await fetch(t, handle, frameIn(1, 10 + i, `d${i}`))).value.ok).toBe(true);
    }
    t.clock.advance(10_000); // 60 s since the last user action
    const handle = (await t.call(senders.cs(), { type: 'armor/found', host: HOST, parts: bobsArmor('late', 'late') })).value.handle;
    expect((await fetch(t, handle)).value).toEqual({ ok: false, badge: { kind: 'locked' } });
    expect(t.service.vault.isUnlocked()).toBe(false);
    expect(t.notifier.broadcasts.filter((p) => p.push === 'status/changed' && p.locked)).toHaveLength(1);
  });
});
