/**
 * Decrypting ahead of the display frames. A page of history shows plaintext only as fast as the worker opens it,
 * and a frame needs a good 100 ms to load before it can ask; so on an enabled site with the vault open:
 *
 * - `page/status`, the content script's first call (made before the page has even been parsed), fetches the mailbox,
 *   where the sender keys of new messages arrive: at most once per MAILBOX_PREFETCH_MS;
 * - `armor/found` starts opening the region's messages into the message cache at once: regions in view right away,
 *   the others as background work (ViewFirst); new messages wait for that mailbox fetch (the service's decrypt);
 * - `display/fetch` waits for its region's prefetch, then finds the messages in the cache.
 *
 * A prefetch shows nothing and decides nothing: the frame's fetch still runs every check (placement, current trust,
 * repeated ids) on what it reads. A failed prefetch is forgotten; the fetch then does the work and reports.
 */

/** The mailbox is fetched for a page at most this often (a reload right after does not fetch it again). */
export const MAILBOX_PREFETCH_MS = 5_000;
/** Regions remembered at once (the oldest is forgotten first; a forgotten one only loses its `fromCache` detail). */
const MAX_REGIONS = 1_000;

/**
 * Digests of the messages a region's prefetch opened (not found in the cache): new to the user when first shown.
 * The region's fetches take them out as they show them.
 */
export type OpenedFresh = Set<string>;

/** What a fetch learns from the prefetch: `delete(digest)` is true (once) for a message the prefetch decrypted. */
export interface FreshDigests {
  delete(digest: string): boolean;
}

export interface PrefetchDeps {
  now(): number;
  /** Fetches and processes the mailbox (sender keys, control messages). */
  fetchMailbox(): Promise<unknown>;
  /** Runs work in view first, background work after (ViewFirst.run). */
  schedule<T>(background: boolean, task: () => Promise<T>): Promise<T>;
  /** Holds background work back until the returned release is called (ViewFirst.hold). */
  holdView?(): () => void;
  trace?(name: string): void;
}

/** Messages per background part of a region's prefetch (a fetch waits only for the parts holding what it asks). */
export const PREFETCH_CHUNK = 25;

interface Part {
  indices: ReadonlySet<number>;
  done: Promise<OpenedFresh>;
}

interface RegionRecord {
  parts: Part[];
  /** Lets background work go again: called when the frame fetched what is on screen (or the region went). */
  release?: () => void;
  shown?: boolean;
}

/**
 * The order a region is opened in: the items on screen as one part (in-view work), then the others in parts of
 * PREFETCH_CHUNK, nearest the on-screen ones first (background work). Nothing on screen: page order from the end
 * (a chat list shows its newest messages, and history is read backwards from there).
 */
export function prefetchParts(count: number, inView: ReadonlySet<number>): Array<{ indices: number[]; inView: boolean }> {
  const visible = [...inView].filter((i) => i >= 0 && i < count).sort((a, b) => a - b);
  const lo = visible.length ? visible[0]! : count;
  const hi = visible.length ? visible[visible.length - 1]! : count - 1;
  const rest = Array.from({ length: count }, (_, i) => i)
    .filter((i) => !inView.has(i))
    .sort((a, b) => Math.max(lo - a, a - hi) - Math.max(lo - b, b - hi) || b - a);
  const parts = visible.length ? [{ indices: visible, inView: true }] : [];
  for (let k = 0; k < rest.length; k += PREFETCH_CHUNK) parts.push({ indices: rest.slice(k, k + PREFETCH_CHUNK).sort((a, b) => a - b), inView: false });
  return parts;
}

export class Prefetcher {
  private mailbox: Promise<void> | undefined;
  private mailboxStartedAt = -Infinity;
  private readonly regions = new Map<string, RegionRecord>();

  constructor(private readonly deps: PrefetchDeps) {}

  /** Starts a mailbox fetch unless one is running or ran in the last MAILBOX_PREFETCH_MS. */
  mailboxSoon(): void {
    const now = this.deps.now();
    if (this.mailbox || now - this.mailboxStartedAt < MAILBOX_PREFETCH_MS) return;
    this.mailboxStartedAt = now;
    this.deps.trace?.('prefetch:mailbox');
    this.mailbox = this.deps
      .fetchMailbox()
      .then(
        () => undefined,
        () => undefined, // offline, locked: the decrypt path fetches the mailbox itself when a key is missing
      )
      .finally(() => {
        this.deps.trace?.('prefetch:mailbox-done');
        this.mailbox = undefined;
      });
  }

  /** Resolves when no mailbox fetch is running (never rejects). */
  mailboxSettled(): Promise<void> {
    return this.mailbox ?? Promise.resolve();
  }

  /**
   * Opens a region's messages ahead of its frame (keyed by the region's handle), in the parts of prefetchParts.
   * `open(indices)` resolves with the digests it decrypted (the rest were in the cache already).
   */
  region(key: string, count: number, inView: ReadonlySet<number>, open: (indices: number[]) => Promise<OpenedFresh>): void {
    if (this.regions.has(key)) return;
    if (this.regions.size >= MAX_REGIONS) this.forget(this.regions.keys().next().value!);
    const plan = prefetchParts(count, inView);
    const record: RegionRecord = { parts: [] };
    this.regions.set(key, record);
    record.parts = plan.map((p) => ({
      indices: new Set(p.indices),
      done: this.deps
        .schedule(!p.inView, async () => {
          this.deps.trace?.(`prefetch:part${p.inView ? '-view' : ''}:${p.indices.length}`);
          try {
            return await open(p.indices);
          } finally {
            // What is on screen is open: nothing in the background gets in before its frame fetched it (taken
            // while this in-view task still counts, so no background task starts in between).
            if (p.inView && this.regions.get(key) === record && !record.shown) record.release = this.deps.holdView?.();
          }
        })
        .catch(() => new Set<string>())
        .finally(() => this.deps.trace?.('prefetch:part-done')),
    }));
  }

  /** The frame fetched the region's items on screen: background work may go on. True the first time. */
  shown(key: string): boolean {
    const r = this.regions.get(key);
    if (!r || r.shown) return false;
    r.shown = true;
    r.release?.();
    r.release = undefined;
    return true;
  }

  /**
   * When the parts of the region's prefetch holding `indices` are done: the digests they decrypted (new to the
   * user). Never rejects. The record stays until `forget` (a region is fetched in several requests, and each takes
   * out the digests it shows).
   */
  async regionSettled(key: string, indices: readonly number[]): Promise<FreshDigests> {
    const parts = (this.regions.get(key)?.parts ?? []).filter((p) => indices.some((i) => p.indices.has(i)));
    const sets = await Promise.all(parts.map((p) => p.done));
    return { delete: (digest) => sets.reduce((taken, set) => set.delete(digest) || taken, false) };
  }

  /** The region was released. */
  forget(key: string): void {
    this.shown(key);
    this.regions.delete(key);
  }

  /** Regions remembered (tests). */
  get pendingRegions(): number {
    return this.regions.size;
  }
}
