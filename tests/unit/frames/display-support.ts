/** Test helpers for the display frame: a scripted IntersectionObserver and a worker fake for display/open + fetch. */
import { act } from 'preact/test-utils';
import type { ApiRequest, DisplayItem, DisplayRegion, MessageHeader } from '../../../lib/api';
import { fakeApi } from './support';

type Init = IntersectionObserverInit & { trackVisibility?: boolean };

/**
 * A fake IntersectionObserver the test drives: `report(view)` delivers one entry per observed item to every
 * observer, like the browser's first report and later changes. `view` maps an index to the share of it inside the
 * viewport (missing = 0); `covered` marks items a v2 observer reports as not visible.
 */
export function fakeIntersection(opts: { v2?: boolean } = {}) {
  const observers = new Set<FakeIO>();
  class FakeIO {
    targets: Element[] = [];
    constructor(
      readonly cb: IntersectionObserverCallback,
      readonly init: Init = {},
    ) {
      observers.add(this);
    }
    observe(el: Element) {
      this.targets.push(el);
    }
    unobserve(el: Element) {
      this.targets = this.targets.filter((t) => t !== el);
    }
    disconnect() {
      this.targets = [];
      observers.delete(this);
    }
    takeRecords() {
      return [];
    }
  }
  if (opts.v2) (FakeIO.prototype as unknown as { trackVisibility: boolean }).trackVisibility = false;

  async function report(view: Record<number, number>, covered: ReadonlySet<number> = new Set()): Promise<void> {
    await act(() => {
      for (const o of [...observers]) {
        const entries = o.targets.map((target) => {
          const i = Number((target as HTMLElement).dataset.index);
          const ratio = view[i] ?? 0;
          return { target, isIntersecting: ratio > 0, intersectionRatio: ratio, isVisible: !covered.has(i) };
        });
        o.cb(entries as unknown as IntersectionObserverEntry[], o as unknown as IntersectionObserver);
      }
    });
  }
  /** The browser's report on the frame's whole document: rows top..bottom (frame px) of it are in the viewport. */
  async function reportFrame(top: number, bottom: number): Promise<void> {
    await act(() => {
      for (const o of [...observers]) {
        const entries = o.targets
          .filter((t) => t === document.documentElement)
          .map((target) => ({ target, isIntersecting: bottom > top, intersectionRatio: 0.5, intersectionRect: { top, bottom }, isVisible: true }));
        if (entries.length) o.cb(entries as unknown as IntersectionObserverEntry[], o as unknown as IntersectionObserver);
      }
    });
  }
  /** Every item in `indices` fully in view. */
  const show = (...indices: number[]) => report(Object.fromEntries(indices.map((i) => [i, 1])));
  return { IntersectionObserver: FakeIO as unknown as typeof IntersectionObserver, report, reportFrame, show, observers };
}

export const header = (i: number): MessageHeader => ({
  messageId: `m${i}`,
  conversationId: 'net/group/#overcrypt',
  senderIdentity: 'alice@net',
  senderCardId: 'c1',
  sentAt: new Date(2026, 0, 2, 9, 5, 7).getTime() + i * 60_000,
  mode: 'card',
});

export const okItem = (i: number, plaintext = `message ${i}`): DisplayItem => ({
  ok: true,
  plaintext,
  header: header(i),
  senderName: 'alice',
  badge: { kind: 'verified' },
  fromCache: false,
});

export interface FakeWorkerOptions {
  region: Partial<DisplayRegion> & { heightsPx: number[] };
  /** Answer for one index (default: okItem). Throw to fail the whole request. */
  item?: (index: number, req: Extract<ApiRequest, { type: 'display/fetch' }>) => DisplayItem;
  /** Throw instead of answering display/open. */
  openError?: () => never;
  /** Held requests: each fetch waits until the test calls `release()`. */
  hold?: boolean;
  /** display/open waits until the test calls `releaseOpen()`. */
  holdOpen?: boolean;
}

/** A worker fake for display/open and display/fetch, counting requests in flight. */
export function fakeWorker(opts: FakeWorkerOptions) {
  const region: DisplayRegion = { jobId: 'job-1', gate: 'ready', securityPattern: 'plum star moon bolt', ...opts.region };
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: (() => void)[] = [];
  let openWaiting: (() => void) | undefined;
  const api = fakeApi(async (req) => {
    if (req.type === 'display/open') {
      if (opts.holdOpen) await new Promise<void>((r) => (openWaiting = r));
      if (opts.openError) opts.openError();
      return region;
    }
    if (req.type !== 'display/fetch') throw new Error(`unexpected ${req.type}`);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (opts.hold) await new Promise<void>((r) => waiting.push(r));
      return { items: req.indices.map((i) => (opts.item ? opts.item(i, req) : okItem(i))) };
    } finally {
      inFlight--;
    }
  });
  const fetches = () =>
    api.calls.filter((c): c is Extract<ApiRequest, { type: 'display/fetch' }> => c.type === 'display/fetch').map((c) => c.indices);
  return {
    api,
    region,
    fetches,
    maxInFlight: () => maxInFlight,
    /** Lets the oldest held fetch answer. */
    release: async () => {
      await act(async () => {
        waiting.shift()?.();
        for (let i = 0; i < 300; i++) await Promise.resolve();
      });
    },
    pendingHeld: () => waiting.length,
    releaseOpen: async () => {
      await act(async () => {
        openWaiting?.();
        for (let i = 0; i < 300; i++) await Promise.resolve();
      });
    },
  };
}

/** Lets every pending reply, loop step and re-render run (microtasks only, no timers). */
export async function flush(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 300; i++) await Promise.resolve();
  });
}

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
