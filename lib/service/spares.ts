/**
 * Spare display frames: a display frame the content script loads before any region exists (entrypoints/content/
 * spare-frame.ts) asks here for its region (`display/await`) and waits. When the content script moves it into a
 * region it hands over that region's handle (`display/toSpare`), and the waiting frame claims the region at once:
 * no frame load between the armor being found and its plaintext showing.
 *
 * The handle cannot travel in the frame's URL as for other frames: the page sees frames under the dynamic URL, the
 * document commits under the extension's own, so a changed fragment is a new load, not a fragment change.
 *
 * One spare may wait per tab. A second one asking while another waits (a page embedding our frame page to catch a
 * region) makes both go without: each is answered "nothing" and the content script gives its region a new frame
 * with the handle in the URL, as without a spare. A spare waits SPARE_WAIT_MS at most.
 */
import type { Caller } from './senders';

/** How long a spare waits for a region (a page's history arrives right after it loads; later ones get new frames). */
export const SPARE_WAIT_MS = 20_000;
/** How long a handed-over handle waits for its spare's request (the two travel from different processes). */
export const OFFER_GRACE_MS = 1_000;

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

interface Waiting {
  caller: Caller;
  answer(handle: string | undefined): void;
  timer: unknown;
}

interface Offer {
  handle: string;
  answer(taken: Caller | undefined): void;
  timer: unknown;
}

export class SpareFrames {
  private readonly waiting = new Map<number, Waiting>();
  /** Tabs where two spares asked at once: nobody gets a region there until the waiting ones are answered. */
  private readonly contested = new Set<number>();
  private readonly offers = new Map<number, Offer>();

  constructor(private readonly timers: Timers = { setTimeout: (cb, ms) => setTimeout(cb, ms), clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>) }) {}

  /** A spare frame asks for its region: the handle it is given, or undefined (timeout, contested, replaced). */
  wait(caller: Caller): Promise<string | undefined> {
    const tabId = caller.tabId;
    if (tabId === undefined) return Promise.resolve(undefined);
    const offer = this.offers.get(tabId);
    if (offer && !this.waiting.has(tabId) && !this.contested.has(tabId)) {
      this.offers.delete(tabId);
      this.timers.clearTimeout(offer.timer);
      offer.answer(caller);
      return Promise.resolve(offer.handle);
    }
    const other = this.waiting.get(tabId);
    if (other || this.contested.has(tabId)) {
      this.contested.add(tabId);
      if (other) this.settle(tabId, undefined);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(() => this.settle(tabId, undefined), SPARE_WAIT_MS);
      this.waiting.set(tabId, { caller, answer: resolve, timer });
    });
  }

  /**
   * The content script of `tabId` hands a region's handle to its spare: resolves with the spare frame that took
   * it, or undefined when none took it within OFFER_GRACE_MS (the caller then loads a frame with the handle).
   */
  offer(tabId: number, handle: string): Promise<Caller | undefined> {
    if (this.contested.delete(tabId)) return Promise.resolve(undefined); // this region goes without; the next may not
    const waiting = this.waiting.get(tabId);
    if (waiting) {
      this.settle(tabId, handle);
      return Promise.resolve(waiting.caller);
    }
    this.offers.get(tabId)?.answer(undefined);
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(() => {
        if (this.offers.get(tabId)?.handle === handle) this.offers.delete(tabId);
        resolve(undefined);
      }, OFFER_GRACE_MS);
      this.offers.set(tabId, { handle, answer: resolve, timer });
    });
  }

  /** The tab closed or navigated away: whatever waits there is answered "nothing". */
  forgetTab(tabId: number): void {
    this.settle(tabId, undefined);
    this.contested.delete(tabId);
    const offer = this.offers.get(tabId);
    if (offer) {
      this.offers.delete(tabId);
      this.timers.clearTimeout(offer.timer);
      offer.answer(undefined);
    }
  }

  private settle(tabId: number, handle: string | undefined): void {
    const w = this.waiting.get(tabId);
    if (!w) return;
    this.waiting.delete(tabId);
    this.timers.clearTimeout(w.timer);
    w.answer(handle);
  }
}
