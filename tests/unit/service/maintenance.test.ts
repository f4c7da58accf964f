import { describe, expect, it } from 'vitest';
import { runMaintenance, type MaintenanceTask } from '../../../lib/service';
import { OvercryptError, ErrorCode } from '../../../lib/errors';
import { makeWorld, registeredWorld, senders } from './fakes';

describe('maintenance', () => {
  it('skips everything before registration and while locked', async () => {
    const fresh = await makeWorld();
    expect((await fresh.service.onAlarm('a')).skipped).toBe('notRegistered');
    const t = await registeredWorld();
    await t.call(senders.popup(), { type: 'vault/lock' });
    expect((await t.service.onAlarm('a')).skipped).toBe('locked');
  });

  it('runs each task at its own interval; a failing task does not stop the others', async () => {
    const t = await registeredWorld();
    const runs: string[] = [];
    const tasks: MaintenanceTask[] = [
      { name: 'fast', everyMs: 60_000, run: async () => void runs.push('fast') },
      { name: 'broken', everyMs: 60_000, run: async () => { throw new OvercryptError(ErrorCode.Network, 'offline'); } },
      { name: 'slow', everyMs: 15 * 60_000, run: async () => void runs.push('slow') },
    ];
    const first = await runMaintenance(t.service, tasks);
    expect(first.ran).toEqual(['fast', 'slow']);
    expect(first.failed).toEqual([{ task: 'broken', code: 'Network' }]);
    t.clock.advance(61_000);
    await t.call(senders.popup(), { type: 'status/get' }); // user activity keeps it unlocked
    const second = await runMaintenance(t.service, tasks);
    expect(second.ran).toEqual(['fast']);
    expect(runs).toEqual(['fast', 'slow', 'fast']);
  });

  it('the default tasks call the key engine (prekey top-up, signed prekey, mailbox, cards)', async () => {
    const t = await registeredWorld();
    const report = await t.service.onAlarm('overcrypt/maintenance');
    expect(report.ran).toEqual(expect.arrayContaining(['outbox', 'mailbox', 'prekeys', 'signedPrekey', 'cards', 'jobs']));
    expect(report.failed).toEqual([]);
  });

  it('prekeys/rotate rotates then tops up to the target (policy may fix the target)', async () => {
    const t = await registeredWorld();
    t.policy.value = { prekeyTarget: 150 };
    await t.service.onPolicyChanged();
    const r = await t.call(senders.popup(), { type: 'prekeys/rotate' });
    expect(r.value).toMatchObject({ onServer: 150, target: 150 });
  });
});
