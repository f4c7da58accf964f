import { describe, expect, it } from 'vitest';
import { HELD_DISPLAY_TTL_MS, HANDLE_TTL_MS } from '../../../lib/service/jobs';
import { bobsArmor, fetchItems, HOST, PASSPHRASE, regionHandle, registeredWorld, senders, type TestWorld } from './fakes';
import type { SenderInfo } from '../../../lib/service';

const frameIn = (tab: number, frame: number, doc: string): SenderInfo => ({ ...senders.display(tab, frame), documentId: doc });
const FRAME = frameIn(1, 6, 'doc-a');

async function lockedWithArmor(t: TestWorld, messages = [bobsArmor()]) {
  await t.call(senders.popup(), { type: 'vault/lock' });
  return regionHandle(t, messages, { conversationId: '#chan', pageAuthor: 'bob' });
}

const open = (t: TestWorld, handle: string, sender: SenderInfo = FRAME) => t.call(sender, { type: 'display/open', handle });
const unlock = async (t: TestWorld) => expect((await t.call(senders.popup(), { type: 'vault/unlock', passphrase: PASSPHRASE })).ok).toBe(true);

describe('display while locked', () => {
  it('armor/found and display/open work locked (gate "locked"); fetch answers Locked until the unlock, then shows', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { securityPattern: 'seed-7f3a' } });
    const handle = await lockedWithArmor(t, [bobsArmor('l-1', 'hi alice'), bobsArmor('l-2', 'second')]);
    const region = await open(t, handle);
    // No plaintext, header or pattern (sealed while locked) in the locked answer.
    expect(region).toEqual({ ok: true, value: { jobId: expect.any(String), heightsPx: [40, 41], gate: 'locked' } });
    expect(await fetchItems(t, region.value.jobId, [0, 1], FRAME)).toMatchObject({ ok: false, error: { code: 'Locked' } });
    expect(await open(t, handle)).toMatchObject({ error: { code: 'NotFound' } }); // the handle is used up by the claim
    await unlock(t);
    const shown = await fetchItems(t, region.value.jobId, [0, 1], FRAME);
    expect(shown.value.items).toEqual([
      expect.objectContaining({ ok: true, plaintext: 'hi alice', senderName: 'bob@irc' }),
      expect.objectContaining({ ok: true, plaintext: 'second' }),
    ]);
    expect(await fetchItems(t, region.value.jobId, [1], FRAME)).toMatchObject({ ok: true }); // the job stays for its frame
  });

  it('the locked claim binds the job to the frame that opened it: another frame, document or tab is refused', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    expect(await open(t, handle, frameIn(2, 6, 'doc-a'))).toMatchObject({ error: { code: 'Forbidden' } });
    const { jobId } = (await open(t, handle)).value;
    await unlock(t);
    for (const other of [frameIn(1, 7, 'doc-b'), frameIn(1, 6, 'doc-other'), frameIn(2, 6, 'doc-a')]) {
      expect(await fetchItems(t, jobId, [0], other)).toMatchObject({ error: { code: 'Forbidden' } });
    }
    expect((await fetchItems(t, jobId, [0], FRAME)).value.items[0]).toMatchObject({ ok: true, plaintext: 'hi alice' });
  });

  it('a claimed job outlives the handle lifetime until the unlock; an unclaimed handle does not', async () => {
    const t = await registeredWorld();
    const held = await lockedWithArmor(t);
    const idle = await regionHandle(t, [bobsArmor('bob-2', 'second')]);
    const { jobId } = (await open(t, held)).value;
    t.clock.advance(HANDLE_TTL_MS * 6); // half an hour locked
    await unlock(t);
    expect((await fetchItems(t, jobId, [0], FRAME)).value.items[0]).toMatchObject({ ok: true, plaintext: 'hi alice' });
    expect(await open(t, idle, frameIn(1, 8, 'doc-c'))).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('claimed jobs still expire, and the sweep drops them', async () => {
    const t = await registeredWorld();
    const { jobId } = (await open(t, await lockedWithArmor(t))).value;
    t.clock.advance(HELD_DISPLAY_TTL_MS + 1);
    expect(await t.service.jobs.sweep()).toBeGreaterThanOrEqual(2); // the job and its handle reference
    expect(await t.ephemeral.keys('job:')).toEqual([]);
    expect(await t.ephemeral.keys('dtab:')).toEqual([]);
    await unlock(t);
    expect(await fetchItems(t, jobId, [0], FRAME)).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('closing the tab drops its jobs at once (and only its own)', async () => {
    const t = await registeredWorld();
    const handle = await lockedWithArmor(t);
    const other = await regionHandle(t, [bobsArmor('bob-9', 'tab two')], { tab: 2 });
    const unclaimed = await regionHandle(t, [bobsArmor('bob-8', 'never claimed')]);
    const mine = (await open(t, handle)).value.jobId;
    const theirs = (await open(t, other, frameIn(2, 6, 'doc-t2'))).value.jobId;
    await t.service.onTabClosed(1);
    await unlock(t);
    expect(await fetchItems(t, mine, [0], FRAME)).toMatchObject({ error: { code: 'NotFound' } });
    expect(await open(t, unclaimed)).toMatchObject({ error: { code: 'NotFound' } });
    expect((await fetchItems(t, theirs, [0], frameIn(2, 6, 'doc-t2'))).value.items[0]).toMatchObject({ ok: true, plaintext: 'tab two' });
  });

  it('on a site the user enabled, locked shows "locked" (the sealed site list is unknown), not click-to-decrypt', async () => {
    const t = await registeredWorld(); // chat.example enabled by the user (sealed settings)
    const region = await open(t, await lockedWithArmor(t));
    expect(region.value.gate).toBe('locked');
    expect(JSON.stringify(region)).not.toContain('hi alice');
  });

  it('page-driven armor/found, display/open and display/fetch never postpone the auto-lock', async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10_000);
      const frame = frameIn(1, 10 + i, `d${i}`);
      const { jobId, gate } = (await open(t, await regionHandle(t, [bobsArmor(`m${i}`, `text ${i}`)], { conversationId: '#chan' }), frame)).value;
      expect(gate).toBe('ready');
      expect((await fetchItems(t, jobId, [0], frame)).value.items[0].ok).toBe(true);
    }
    t.clock.advance(10_000); // 60 s since the last user action
    const late = await open(t, await regionHandle(t, [bobsArmor('late', 'late')], { host: HOST }));
    expect(late.value.gate).toBe('locked');
    expect(t.service.vault.isUnlocked()).toBe(false);
    expect(t.notifier.broadcasts.filter((p) => p.push === 'status/changed' && p.locked)).toHaveLength(1);
  });
});
