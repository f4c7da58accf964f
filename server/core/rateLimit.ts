/**
 * Fixed-window rate limits, two kinds:
 *
 * - `SharedWindowLimit`: counters in the database (Repository.hitWindow & co.), shared by every
 *   directory process on it. Used for the security limits (failed logins per identity and per
 *   address, registrations per address): with per-process counters, N processes behind a
 *   balancer would give an attacker N times the password guesses.
 * - `WindowLimiter`: counters in this process's memory. Used only for prekey claims per claimer.
 *   Claims are the hot path (measured 1,800-3,100 claims/s on SQLite, bound by the WAL
 *   fdatasync per commit batch); a counter write per claim would add a write to every claim
 *   and roughly halve that. The claim limit is a fairness limit (nobody drains someone's
 *   one-time prekeys quickly), not a guessing limit: with N processes a claimer gets at most
 *   N times the allowance, and draining is visible to the owner (the count drops) and harmless
 *   to secrecy (the signed prekey still serves when no one-time key is left).
 */
import type { Repository } from '../storage/repository';

type WindowStore = Pick<Repository, 'hitWindow' | 'windowCount' | 'undoWindowHit' | 'resetWindow'>;

/** A counted attempt that may be given back (e.g. a login that turned out to be correct). */
export interface Taken {
  key: string;
  at: number;
}

/**
 * At most `limit` counted events per key per window, across every process on the database.
 * Attempts are counted before the work they guard (take, then verify), so parallel requests
 * cannot all pass a check made before any of them was counted.
 */
export class SharedWindowLimit {
  constructor(
    private readonly store: WindowStore,
    /** namespaces keys in the shared table, e.g. 'login-id' */
    private readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** True when `key` has used up its allowance (a read; nothing is counted). */
  async isExhausted(key: string): Promise<boolean> {
    return (await this.store.windowCount(this.keyOf(key), this.now())) >= this.limit;
  }

  /**
   * Counts one attempt; null (and nothing counted) when the allowance is used up. An exhausted
   * key is refused by a read, so hammering it costs no writes.
   */
  async take(key: string): Promise<Taken | null> {
    const k = this.keyOf(key);
    const at = this.now();
    if ((await this.store.windowCount(k, at)) >= this.limit) return null;
    if ((await this.store.hitWindow(k, this.windowMs, at)) <= this.limit) return { key: k, at };
    await this.store.undoWindowHit(k, at); // lost the race for the last slot
    return null;
  }

  /** Gives back an attempt taken with `take` (only to the window it was counted in). */
  async giveBack(taken: Taken): Promise<void> {
    await this.store.undoWindowHit(taken.key, taken.at);
  }

  async reset(key: string): Promise<void> {
    await this.store.resetWindow(this.keyOf(key));
  }

  private keyOf(key: string): string {
    return `${this.name}:${key}`;
  }
}

/**
 * Fixed-window counters per key, in this process's memory (prekey claims only; see the top
 * of this file for why). Several processes each enforce their own allowance.
 */
export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts one event; returns false when it exceeds the allowance. */
  hit(key: string): boolean {
    const now = this.now();
    let w = this.current(key);
    if (!w) {
      if (this.windows.size >= 100_000) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count <= this.limit;
  }

  private current(key: string): { start: number; count: number } | undefined {
    const w = this.windows.get(key);
    if (w && this.now() - w.start >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}
