/**
 * Periodic work, run from the alarm handler (a timer dies with the worker; chrome.alarms survives it).
 * Each task has its own interval and its last run time in the ephemeral store, so one alarm period (1 minute)
 * serves all of them. A failing task is reported and does not stop the others. Nothing runs while locked.
 */
import { isError } from '../errors';
import type { PageWarning } from '../api/views';
import type { OvercryptService } from './service';

export const MAINTENANCE_ALARM = 'overcrypt/maintenance';
export const MAINTENANCE_PERIOD_MINUTES = 1;

export interface MaintenanceTask {
  name: string;
  everyMs: number;
  run(service: OvercryptService): Promise<unknown>;
}

export const TASKS: readonly MaintenanceTask[] = [
  { name: 'outbox', everyMs: 60_000, run: (s) => s.directory.flush() },
  { name: 'mailbox', everyMs: 60_000, run: (s) => s.engineCall((e, env) => e.keys.fetchMailbox(env)) },
  { name: 'prekeys', everyMs: 15 * 60_000, run: (s) => s.engineCall((e, env) => e.keys.topUpPrekeys(env)) },
  { name: 'signedPrekey', everyMs: 60 * 60_000, run: (s) => s.engineCall((e, env) => e.keys.rotateSignedPrekey(env, false)) },
  { name: 'cards', everyMs: 60 * 60_000, run: (s) => s.engineCall((e, env) => e.keys.refreshCards(env)) },
  { name: 'jobs', everyMs: 5 * 60_000, run: (s) => s.jobs.sweep() },
];

export interface MaintenanceReport {
  skipped?: 'locked' | 'notRegistered';
  ran: string[];
  failed: Array<{ task: string; code: string }>;
  /** Card changes to surface (key changed, new device). */
  changes: PageWarning[];
}

export async function runMaintenance(service: OvercryptService, tasks: readonly MaintenanceTask[] = TASKS): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { ran: [], failed: [], changes: [] };
  if (!(await service.isRegistered())) return { ...report, skipped: 'notRegistered' };
  if (!service.vault.isUnlocked()) return { ...report, skipped: 'locked' };
  const now = service.env.clock.now();
  for (const task of tasks) {
    const key = `maint:${task.name}`;
    const last = (await service.ephemeralStore.get<number>(key)) ?? 0;
    if (now - last < task.everyMs) continue;
    try {
      const result = await task.run(service);
      if (task.name === 'cards' && Array.isArray(result)) report.changes.push(...(result as PageWarning[]));
      report.ran.push(task.name);
      await service.ephemeralStore.set(key, now);
    } catch (e) {
      report.failed.push({ task: task.name, code: isError(e) ? e.code : 'Internal' });
      if (!service.vault.isUnlocked()) break; // locked meanwhile: stop
    }
  }
  return report;
}
