import { describe, expect, it } from 'vitest';
import { SlicedQueue, windowScheduler, type IdleDeadlineLike } from '../../../lib/page/schedule';
import { ManualScheduler } from './support';

describe('SlicedQueue', () => {
  it('never spends more than the slice budget per idle callback (plus the one item that crossed it)', () => {
    const s = new ManualScheduler();
    const perSlice: number[] = [];
    let inSlice = 0;
    const q = new SlicedQueue<number>({
      scheduler: s,
      sliceMs: 8,
      process: () => {
        s.time += 3; // each item costs 3 ms
        inSlice++;
      },
    });
    q.push(Array.from({ length: 20 }, (_, i) => i));
    while (s.pendingCallbacks > 0) {
      inSlice = 0;
      const t0 = s.time;
      s.runIdle();
      perSlice.push(inSlice);
      expect(s.time - t0).toBeLessThanOrEqual(8 + 3);
    }
    expect(perSlice.reduce((a, b) => a + b, 0)).toBe(20);
    expect(perSlice.length).toBeGreaterThanOrEqual(Math.ceil(20 / 3));
  });

  it('hurry: the next slice is requested at once (timeout 1 ms) and uses its whole budget without idle time', () => {
    const s = new ManualScheduler();
    s.idleBudgetMs = 0; // a busy page: no idle time at all
    const timeouts: number[] = [];
    const requestIdle = s.requestIdle.bind(s);
    const scheduler = { now: () => s.now(), requestIdle: (cb: (d: IdleDeadlineLike) => void, timeoutMs: number) => (timeouts.push(timeoutMs), requestIdle(cb)) };
    let done = 0;
    const q = new SlicedQueue<number>({ scheduler, sliceMs: 5, idleTimeoutMs: 300, process: () => ((s.time += 1), done++) });
    q.push([1, 2, 3, 4, 5, 6, 7, 8]);
    q.hurry();
    expect(timeouts).toEqual([300, 1]); // the idle request was replaced by an urgent one
    expect(s.pendingCallbacks).toBe(1);
    s.runIdle();
    expect(done).toBe(5); // the whole 5 ms budget, not one item
    s.runIdle();
    expect(done).toBe(6); // back to idle slices: one item when there is no idle time
    expect(q.has((n) => n === 8)).toBe(true);
    expect(q.has((n) => n === 1)).toBe(false);
  });

  it('stops a slice when the idle deadline runs out', () => {
    const s = new ManualScheduler();
    s.idleBudgetMs = 2;
    let done = 0;
    const q = new SlicedQueue<number>({ scheduler: s, sliceMs: 100, process: () => ((s.time += 1), done++) });
    q.push([1, 2, 3, 4, 5, 6]);
    s.runIdle();
    expect(done).toBe(2);
    s.drain();
    expect(done).toBe(6);
  });

  it('queues an item once while it is pending, processes it again after', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    const q = new SlicedQueue<string>({ scheduler: s, process: (x) => seen.push(x) });
    q.push(['a', 'b', 'a']);
    q.push(['a']);
    s.drain();
    q.push(['a']);
    s.drain();
    expect(seen).toEqual(['a', 'b', 'a']);
  });

  it('applies the priority order before a slice', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    const q = new SlicedQueue<number>({ scheduler: s, process: (x) => seen.push(x), prioritise: (xs) => [...xs].sort((a, b) => b - a) });
    q.push([1, 5, 3]);
    s.drain();
    expect(seen).toEqual([5, 3, 1]);
  });

  it('reorders items that arrive during a slice before going on (a root expanded into its messages)', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    const q = new SlicedQueue<number>({
      scheduler: s,
      process: (x) => {
        seen.push(x);
        if (x === 0) q.push([1, 2, 3, 4]); // what the root holds, in document order
      },
      prioritise: (xs) => [...xs].sort((a, b) => b - a), // the last ones are in view
    });
    q.push([0]);
    s.runIdle();
    expect(seen).toEqual([0, 4, 3, 2, 1]);
  });

  it('calls onSliceEnd at the end of every slice, in the same callback, after its items', () => {
    const s = new ManualScheduler();
    const log: string[] = [];
    const q = new SlicedQueue<number>({
      scheduler: s,
      sliceMs: 2,
      process: (x) => ((s.time += 1), log.push(`item ${x}`)),
      onSliceEnd: () => log.push('end'),
      onIdle: () => log.push('idle'),
    });
    q.push([1, 2, 3]);
    s.runIdle();
    expect(log).toEqual(['item 1', 'item 2', 'end']);
    s.drain();
    expect(log).toEqual(['item 1', 'item 2', 'end', 'item 3', 'end', 'idle']);
  });

  it('keeps going after an item throws, and calls onIdle when empty', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    let idle = 0;
    const q = new SlicedQueue<number>({
      scheduler: s,
      process: (x) => {
        if (x === 2) throw new Error('bad element');
        seen.push(x);
      },
      onIdle: () => idle++,
    });
    q.push([1, 2, 3]);
    s.drain();
    expect(seen).toEqual([1, 3]);
    expect(idle).toBe(1);
  });

  it('does nothing after stop()', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    const q = new SlicedQueue<number>({ scheduler: s, process: (x) => seen.push(x) });
    q.push([1]);
    q.stop();
    q.push([2]);
    s.drain();
    expect(seen).toEqual([]);
  });
});

describe('windowScheduler', () => {
  it('falls back to a timer with a bounded budget when requestIdleCallback is missing', async () => {
    const win = { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis), performance };
    const s = windowScheduler(win as never);
    const remaining = await new Promise<number>((resolve) => s.requestIdle((d) => resolve(d.timeRemaining()), 100));
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(remaining).toBeLessThanOrEqual(8);
  });

  it('uses requestIdleCallback with the timeout when present', () => {
    const calls: unknown[] = [];
    const win = {
      requestIdleCallback: (_cb: unknown, opts: unknown) => (calls.push(opts), 7),
      cancelIdleCallback: (id: number) => calls.push(['cancel', id]),
      setTimeout,
      clearTimeout,
    };
    const cancel = windowScheduler(win as never).requestIdle(() => undefined, 123);
    cancel();
    expect(calls).toEqual([{ timeout: 123 }, ['cancel', 7]]);
  });
});
