/**
 * Status chips and compose frames learn of trust changes made or found elsewhere (issue 5 secure compose): the
 * worker pushes `status/changed` when a contact is verified, devices are approved, or a lookup finds a
 * participant's key or devices changed; and the compose frame's background re-read of who can read is not user
 * activity (it must not keep the vault open).
 */
import { describe, expect, it } from 'vitest';
import { HOST, openCompose, registeredWorld, senders, type TestWorld } from './fakes';

const BOB_CARD = 'b0'.repeat(32);
const statusPushes = (t: TestWorld) => t.notifier.broadcasts.filter((p) => p.push === 'status/changed' && !p.locked).length;
const pageStatus = (t: TestWorld) => t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' });

describe('status pushes for chips and compose frames', () => {
  it('verifying a contact in the popup pushes status/changed', async () => {
    const t = await registeredWorld();
    const before = statusPushes(t);
    expect((await t.call(senders.popup(), { type: 'contacts/verify', identity: 'bob@irc', verified: true })).ok).toBe(true);
    expect(statusPushes(t)).toBe(before + 1);
  });

  it('a lookup that finds a participant with other devices pushes once; looking again without a change does not', async () => {
    const t = await registeredWorld();
    await pageStatus(t);
    await pageStatus(t);
    const before = statusPushes(t);
    t.world.cards.set('bob@irc', ['c1'.repeat(32)]); // bob re-registered: another key
    expect((await pageStatus(t)).value.warnings).toEqual([expect.objectContaining({ kind: 'newDevice', identity: 'bob@irc', cardId: 'c1'.repeat(32) })]);
    expect(statusPushes(t)).toBe(before + 1);
    // The chip re-reads on that push: same answer, no further push (no loop).
    await pageStatus(t);
    await pageStatus(t);
    expect(statusPushes(t)).toBe(before + 1);
  });

  it('approving devices pushes (the chips drop their "new device" warning); a re-read of nothing does not', async () => {
    const t = await registeredWorld();
    const { jobId } = await openCompose(t);
    const before = statusPushes(t);
    await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: [] });
    expect(statusPushes(t)).toBe(before);
    await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: [BOB_CARD] });
    expect(statusPushes(t)).toBe(before + 1);
    expect((await pageStatus(t)).value.warnings).toEqual([]);
    // Counted once approved: the chip says who a message reaches, as the compose frame does.
    expect((await pageStatus(t)).value.recipients).toEqual({ people: 1, devices: 1 });
  });

  it("the compose frame's background re-read (approve nothing) does not postpone the auto-lock; a real approval does", async () => {
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    const { jobId } = await openCompose(t);
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10_000);
      expect((await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: [] })).ok).toBe(true);
    }
    t.clock.advance(10_000);
    expect((await pageStatus(t)).value.locked).toBe(true);

    const u = await registeredWorld();
    await u.call(senders.popup(), { type: 'settings/set', patch: { autoLockMinutes: 1 } });
    const opened = await openCompose(u);
    u.clock.advance(50_000);
    await u.call(senders.compose(), { type: 'compose/approve', jobId: opened.jobId, cardIds: [BOB_CARD] });
    u.clock.advance(50_000);
    expect((await pageStatus(u)).value.locked).toBe(false);
  });
});
