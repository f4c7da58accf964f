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

export interface PrefetchDeps {
  now(): number;
  /** Fetches and processes the mailbox (sender keys, control messages). */
  fetchMailbox(): Promise<unknown>;
  /** Runs work in view first, background work after (ViewFirst.run). */
  schedule<T>(background: boolean, task: () => Promise<T>): Promise<T>;
}

export class Prefetcher {
  private mailbox: Promise<void> | undefined;
  private mailboxStartedAt = -Infinity;
  private readonly regions = new Map<string, Promise<OpenedFresh>>();

  constructor(private readonly deps: PrefetchDeps) {}

  /** Starts a mailbox fetch unless one is running or ran in the last MAILBOX_PREFETCH_MS. */
  mailboxSoon(): void {
    const now = this.deps.now();
    if (this.mailbox || now - this.mailboxStartedAt < MAILBOX_PREFETCH_MS) return;
    this.mailboxStartedAt = now;
    this.mailbox = this.deps
      .fetchMailbox()
      .then(
        () => undefined,
        () => undefined, // offline, locked: the decrypt path fetches the mailbox itself when a key is missing
      )
      .finally(() => {
        this.mailbox = undefined;
      });
  }

  /** Resolves when no mailbox fetch is running (never rejects). */
  mailboxSettled(): Promise<void> {
    return this.mailbox ?? Promise.resolve();
  }

  /**
   * Opens a region's messages ahead of its frame (keyed by the region's handle). `open` resolves with the digests
   * it decrypted (the rest were in the cache already).
   */
  region(key: string, inView: boolean, open: () => Promise<OpenedFresh>): void {
    if (this.regions.has(key)) return;
    if (this.regions.size >= MAX_REGIONS) this.regions.delete(this.regions.keys().next().value!);
    this.regions.set(
      key,
      this.deps.schedule(!inView, open).catch(() => new Set<string>()),
    );
  }

  /**
   * When the region's prefetch (if any) is done: the digests it decrypted. Never rejects. The record stays until
   * `forget` (a region is fetched in several requests, each asking which of its messages are new).
   */
  regionSettled(key: string): Promise<OpenedFresh> {
    return this.regions.get(key) ?? Promise.resolve(new Set<string>());
  }

  /** The region was released. */
  forget(key: string): void {
    this.regions.delete(key);
  }

  /** Prefetches in flight (tests). */
  get pendingRegions(): number {
    return this.regions.size;
  }
}
