/** Test helpers for lib/page: real armor from lib/wire, a manual idle scheduler with a fake clock. */
import { armorEnvelope, splitArmor } from '../../../lib/wire/armor';
import { EnvelopeKind, makeEnvelope } from '../../../lib/wire/envelope';
import type { IdleDeadlineLike, Scheduler } from '../../../lib/page/schedule';

function body(bytes: number, seed: number): Uint8Array {
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + seed * 17) & 0xff;
  return b;
}

export function armorOf(bytes: number, seed = 1): string {
  return armorEnvelope(makeEnvelope(EnvelopeKind.SenderKeyMessage, body(bytes, seed)));
}

export function armorParts(bytes: number, maxChars: number, seed = 1): string[] {
  return splitArmor(makeEnvelope(EnvelopeKind.SenderKeyMessage, body(bytes, seed)), maxChars);
}

/**
 * Idle callbacks run only when the test calls `runIdle()`; the clock moves only when the test (or the work it
 * runs) advances it, so slice budgets are checked exactly.
 */
export class ManualScheduler implements Scheduler {
  time = 0;
  private callbacks: ((d: IdleDeadlineLike) => void)[] = [];
  idleBudgetMs = 50;

  now(): number {
    return this.time;
  }

  requestIdle(cb: (d: IdleDeadlineLike) => void): () => void {
    this.callbacks.push(cb);
    return () => {
      this.callbacks = this.callbacks.filter((c) => c !== cb);
    };
  }

  get pendingCallbacks(): number {
    return this.callbacks.length;
  }

  /** Runs the callbacks queued so far; returns how many ran. */
  runIdle(): number {
    const cbs = this.callbacks;
    this.callbacks = [];
    const start = this.time;
    for (const cb of cbs) cb({ timeRemaining: () => Math.max(0, this.idleBudgetMs - (this.time - start)) });
    return cbs.length;
  }

  /** Runs idle callbacks until none are left (bounded). */
  drain(maxRounds = 10_000): number {
    let rounds = 0;
    while (this.callbacks.length > 0 && rounds < maxRounds) {
      this.runIdle();
      rounds++;
    }
    return rounds;
  }
}
