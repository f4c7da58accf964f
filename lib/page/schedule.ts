/**
 * Idle-time, time-sliced work for content scripts: the host page must never see a long task because of us.
 * Work is queued and run in idle callbacks (`requestIdleCallback`, or `setTimeout` where it is missing), at most
 * `sliceMs` per callback; what is left waits for the next idle period.
 */

/** The part of an idle deadline we use. */
export interface IdleDeadlineLike {
  timeRemaining(): number;
}

/** Clock and idle scheduling, injected so the logic runs under happy-dom and fake timers. */
export interface Scheduler {
  now(): number;
  /** Calls `cb` when the page is idle (or after `timeoutMs` at the latest); returns a cancel function. */
  requestIdle(cb: (deadline: IdleDeadlineLike) => void, timeoutMs: number): () => void;
}

/** Longest slice of work per idle callback (the brief: no task above ~10 ms). */
export const DEFAULT_SLICE_MS = 8;
/** An idle callback is forced after this long even on a busy page, so armor shows up eventually. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300;

type IdleWindow = {
  requestIdleCallback?: (cb: (d: IdleDeadlineLike) => void, opts?: { timeout: number }) => number;
  cancelIdleCallback?: (id: number) => void;
  setTimeout: (cb: () => void, ms: number) => unknown;
  clearTimeout: (id: never) => void;
  performance?: { now(): number };
};

/** The scheduler of a window: `requestIdleCallback` when it exists, else a zero-delay timer with a fixed budget. */
export function windowScheduler(win: IdleWindow): Scheduler {
  const now = () => (win.performance ? win.performance.now() : Date.now());
  return {
    now,
    requestIdle(cb, timeoutMs) {
      if (typeof win.requestIdleCallback === 'function') {
        const id = win.requestIdleCallback(cb, { timeout: timeoutMs });
        return () => win.cancelIdleCallback?.(id);
      }
      const id = win.setTimeout(() => {
        const start = now();
        cb({ timeRemaining: () => Math.max(0, DEFAULT_SLICE_MS - (now() - start)) });
      }, 1);
      return () => win.clearTimeout(id as never);
    },
  };
}

export interface SlicedQueueOptions<T> {
  scheduler: Scheduler;
  /** Handles one item; should be short (one element's text, one frame). */
  process(item: T): void;
  /** Called once before a slice when new items arrived, to reorder the pending list (e.g. visible first). */
  prioritise?(items: T[]): T[];
  sliceMs?: number;
  idleTimeoutMs?: number;
  /**
   * Called at the end of every slice, inside the same idle callback (the display manager places the frames for
   * what the slice found: one batch per slice, one layout read per slice).
   */
  onSliceEnd?(): void;
  /** Called when the queue runs empty (tests and benches wait for it). */
  onIdle?(): void;
}

/** A FIFO of work drained in idle slices. Duplicate items (same identity) are queued once. */
export class SlicedQueue<T> {
  private pending: T[] = [];
  private readonly queued = new Set<T>();
  private cancel: (() => void) | undefined;
  private reorder = false;
  private stopped = false;
  /** The next slice runs soon and with its whole budget, idle time or not (hurry). */
  private urgent = false;
  private readonly sliceMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: SlicedQueueOptions<T>) {
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Whether an item still waiting matches. */
  has(match: (item: T) => boolean): boolean {
    return this.pending.some(match);
  }

  /**
   * The next slice runs as soon as the page's current task ends, with its whole budget, instead of waiting for idle
   * time: for work the user is looking at (the messages on screen at page load). A slice stays a short task.
   */
  hurry(): void {
    if (this.stopped) return;
    this.urgent = true;
    this.cancel?.();
    this.cancel = undefined;
    this.schedule();
  }

  push(items: Iterable<T>): void {
    if (this.stopped) return;
    for (const item of items) {
      if (this.queued.has(item)) continue;
      this.queued.add(item);
      this.pending.push(item);
      this.reorder = true;
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    this.pending = [];
    this.queued.clear();
  }

  private schedule(): void {
    if (this.cancel || this.pending.length === 0 || this.stopped) return;
    this.cancel = this.options.scheduler.requestIdle((deadline) => {
      this.cancel = undefined;
      this.runSlice(deadline);
    }, this.urgent ? 1 : this.idleTimeoutMs);
  }

  private runSlice(deadline: IdleDeadlineLike): void {
    const { scheduler, process } = this.options;
    const start = scheduler.now();
    const urgent = this.urgent;
    this.urgent = false;
    // Even with no idle time left (forced by the timeout) one item is processed, so work always progresses.
    let done = 0;
    while (done < this.pending.length) {
      if (this.reorder && this.options.prioritise) {
        // Items arrived (before or during this slice, e.g. every message of a history just expanded from the
        // root): reorder what is left now, so this very slice already works on what the user sees.
        this.pending = this.options.prioritise(this.pending.slice(done));
        done = 0;
      }
      this.reorder = false;
      const item = this.pending[done]!;
      done++;
      this.queued.delete(item);
      try {
        process(item);
      } catch {
        // One bad element must not stop the scanner; the item is dropped.
      }
      const spent = scheduler.now() - start;
      if (spent >= this.sliceMs || (!urgent && deadline.timeRemaining() <= 0)) break;
    }
    this.pending = this.pending.slice(done);
    try {
      this.options.onSliceEnd?.();
    } catch {
      // The consumer's batch failed; the queue itself goes on.
    }
    if (this.pending.length > 0) this.schedule();
    else if (!this.cancel) this.options.onIdle?.();
  }
}
