/**
 * The display frame's fetch loop for one region: which items to ask the worker for, one request at a time, and
 * what each item shows meanwhile. Kept out of the view so the order and the gate handling are testable on their own.
 *
 *   const loader = new RegionLoader(api, region, (snap) => render(snap), { nearPx: 400, now });
 *   loader.setInView(new Set([3, 4]));   // first visibility report: items 3 and 4 (and near ones) are fetched first
 *   loader.unlocked();                   // the vault was unlocked: fetch what is still missing
 *   loader.locked();                     // the vault locked: shown plaintext is dropped until the next unlock
 *   loader.reveal();                     // the user clicked "Decrypt" in the frame (site not enabled)
 *
 * Gates: 'ready' fetches; 'locked' waits for `unlocked()` (a fetch answering Locked goes back to it);
 * 'clickToDecrypt' waits for `reveal()`, after which every request carries `reveal: true`.
 */
import type { ApiClient, DisplayBadge, DisplayItem, DisplayRegion } from '../../lib/api';
import { ErrorCode, isError } from '../../lib/errors';
import { FETCH_CHUNK, nextBatch } from './fetch-plan';

export type ShownItem = Extract<DisplayItem, { ok: true }>;

/** What one item shows. `shownAt`: epoch ms when it reached its final state (read by the bench). */
export type ItemView =
  | { state: 'loading' }
  | { state: 'locked' }
  | { state: 'clickToDecrypt' }
  | { state: 'shown'; item: ShownItem; shownAt: number }
  | { state: 'failed'; badge: DisplayBadge; shownAt: number };

export type Gate = DisplayRegion['gate'];

export interface RegionSnapshot {
  gate: Gate;
  items: readonly ItemView[];
}

export interface RegionLoaderOptions {
  /** How far around the in-view items still count as near for the first request (px). */
  nearPx: number;
  /** Most items per background request. */
  chunk?: number;
  /** Epoch ms (performance.timeOrigin + performance.now() in the frame). */
  now(): number;
}

/** Reason shown when the worker did not answer twice in a row. */
export const NO_ANSWER = 'NoAnswer';

const LOADING: ItemView = { state: 'loading' };
const LOCKED: ItemView = { state: 'locked' };
const CLICK: ItemView = { state: 'clickToDecrypt' };

export class RegionLoader {
  private gate: Gate;
  private readonly items: ItemView[];
  /** Items still to fetch (not in flight, not final). */
  private readonly pending = new Set<number>();
  private inView = new Set<number>();
  /** Set once a first visibility report came (or waiting for one was given up): fetching may start. */
  private started = false;
  private running = false;
  private stopped = false;
  /** The user clicked "Decrypt": requests carry `reveal: true`. */
  private revealed = false;
  /** An unlock was reported: try a fetch while still showing 'locked' (no flicker if it is still locked). */
  private tryUnlock = false;
  /** An unlock was reported while a request was in flight (its Locked answer may predate the unlock). */
  private unlockDuringFlight = false;

  constructor(
    private readonly api: ApiClient,
    private readonly region: DisplayRegion,
    private readonly onChange: (snapshot: RegionSnapshot) => void,
    private readonly opts: RegionLoaderOptions,
  ) {
    this.gate = region.gate;
    const initial = region.gate === 'locked' ? LOCKED : region.gate === 'clickToDecrypt' ? CLICK : LOADING;
    this.items = region.heightsPx.map(() => initial);
    region.heightsPx.forEach((_, i) => this.pending.add(i));
  }

  get heightsPx(): readonly number[] {
    return this.region.heightsPx;
  }

  snapshot(): RegionSnapshot {
    return { gate: this.gate, items: [...this.items] };
  }

  /** Items intersecting the viewport now (every visibility report). The first report starts fetching. */
  setInView(inView: ReadonlySet<number>): void {
    this.inView = new Set(inView);
    this.started = true;
    void this.pump();
  }

  /** No visibility report came in time (e.g. a frame the browser does not render yet): fetch in index order. */
  startWithoutView(): void {
    this.started = true;
    void this.pump();
  }

  /** The user clicked "Decrypt" inside the frame. */
  reveal(): void {
    if (this.stopped || this.gate !== 'clickToDecrypt') return;
    this.revealed = true;
    this.gate = 'ready';
    for (const i of this.pending) this.items[i] = LOADING;
    this.emit();
    void this.pump();
  }

  /** The vault was unlocked (push, or the frame got focus): fetch what is missing if still locked. */
  unlocked(): void {
    if (this.stopped) return;
    if (this.running) this.unlockDuringFlight = true;
    if (this.gate !== 'locked') return;
    this.tryUnlock = true;
    void this.pump();
  }

  /**
   * The vault locked (the user locked it, or it locked itself after inactivity): what is shown goes away too, so an
   * unattended screen shows "locked" rather than the conversation. Failed items (no plaintext) stay as they are.
   */
  locked(): void {
    if (this.stopped || this.gate === 'clickToDecrypt') return;
    this.items.forEach((view, i) => {
      if (view.state === 'shown' || view.state === 'loading') this.pending.add(i);
    });
    this.toGate('locked');
  }

  stop(): void {
    this.stopped = true;
  }

  private canFetch(): boolean {
    return this.started && (this.gate === 'ready' || (this.gate === 'locked' && this.tryUnlock));
  }

  private emit(): void {
    if (!this.stopped) this.onChange(this.snapshot());
  }

  private async pump(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      let retried = false;
      while (!this.stopped && this.canFetch()) {
        const batch = nextBatch({
          pending: this.pending,
          inView: this.inView,
          heightsPx: this.region.heightsPx,
          nearPx: this.opts.nearPx,
          chunk: this.opts.chunk ?? FETCH_CHUNK,
        });
        if (batch.length === 0) break;
        for (const i of batch) this.pending.delete(i);
        this.unlockDuringFlight = false;
        let items: DisplayItem[];
        try {
          const { jobId } = this.region;
          globalThis.performance?.mark?.('oc:fetch-sent');
          // Nothing of this batch on screen: the worker serves frames with messages in view first.
          const background = !batch.some((i) => this.inView.has(i));
          const res = await this.api.call({
            type: 'display/fetch',
            jobId,
            indices: batch,
            ...(this.revealed ? { reveal: true } : {}),
            ...(background ? { background: true } : {}),
          });
          items = res.items;
          globalThis.performance?.mark?.('oc:fetch-done');
        } catch (e) {
          if (this.stopped) return;
          for (const i of batch) this.pending.add(i);
          if (isError(e, ErrorCode.Locked)) {
            this.toGate('locked');
            if (this.unlockDuringFlight) this.tryUnlock = true; // the unlock came after this request was sent
            continue;
          }
          if (isError(e, ErrorCode.Network) && !retried) {
            retried = true; // the worker was restarting: ask once more
            continue;
          }
          for (const i of batch) this.pending.delete(i);
          // The job is gone or not ours (released, expired): nothing more can be fetched for this region.
          const fatal = isError(e, ErrorCode.NotFound) || isError(e, ErrorCode.Forbidden);
          const reason = isError(e, ErrorCode.Network) ? NO_ANSWER : isError(e) ? e.code : 'Internal';
          this.fail(fatal ? [...batch, ...this.pending] : batch, reason);
          if (fatal) this.pending.clear();
          this.emit();
          if (fatal) break;
          continue;
        }
        if (this.stopped) return;
        retried = false;
        this.apply(batch, items);
      }
    } finally {
      this.running = false;
    }
  }

  /** Records one answer. An answer (not an error) means the vault is open. */
  private apply(batch: number[], items: unknown): void {
    if (!Array.isArray(items) || items.length !== batch.length) {
      this.fail(batch, 'Internal');
      this.emit();
      return;
    }
    if (this.gate === 'locked') {
      this.gate = 'ready';
      this.tryUnlock = false;
      for (const i of this.pending) this.items[i] = LOADING;
    }
    const at = this.opts.now();
    let gate: 'locked' | 'clickToDecrypt' | undefined;
    batch.forEach((index, k) => {
      const item = items[k] as DisplayItem;
      if (item.ok) this.items[index] = { state: 'shown', item, shownAt: at };
      else if (item.badge.kind === 'locked' || item.badge.kind === 'clickToDecrypt') {
        // The worker holds this one back (locked meanwhile / site needs a click): ask again after the gate opens.
        this.pending.add(index);
        gate = item.badge.kind;
      } else this.items[index] = { state: 'failed', badge: item.badge, shownAt: at };
    });
    if (gate) this.toGate(gate);
    else this.emit();
  }

  private toGate(gate: 'locked' | 'clickToDecrypt'): void {
    this.gate = gate;
    this.tryUnlock = false;
    if (gate === 'clickToDecrypt') this.revealed = false;
    for (const i of this.pending) this.items[i] = gate === 'locked' ? LOCKED : CLICK;
    this.emit();
  }

  private fail(indices: Iterable<number>, reason: string): void {
    const at = this.opts.now();
    for (const i of indices) this.items[i] = { state: 'failed', badge: { kind: 'couldNotDecrypt', reason }, shownAt: at };
  }
}
