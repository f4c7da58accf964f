/**
 * Jobs bind our frames to one piece of work. A content script opens a job (a region of armor to display, a
 * conversation to compose for) and gets a single-use handle; it puts the handle into the frame it creates; the
 * frame claims the job with it. A handle is consumed by the claim, works only from the same tab the job was opened
 * in, and expires. The job then stays bound to the claiming frame (tab + frame + document), which alone may use it
 * (fetch items, submit), addressed by its job id.
 *
 * Records in the ephemeral store (storage.session):
 *   job:h:<handle>        -> { kind, jobId }   reference, kept after the claim so the opener can release by handle
 *   job:d:<jobId>         -> DisplayJob
 *   job:c:<jobId>         -> ComposeJobRecord
 *   dtab:<tabId>:<jobId>  -> items             display jobs by opener tab (closing the tab drops them at once)
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { ComposeOutput, FoundArmor } from '../api/messages';
import type { Caller } from './senders';
import type { EphemeralStore } from './ephemeral';

export const HANDLE_TTL_MS = 5 * 60_000;
/**
 * A claimed display job lives this long after its last use (display/open or display/fetch). Long, because a frame
 * opened while the vault was locked fetches only after the unlock; closing the tab or a release drops it sooner.
 */
export const HELD_DISPLAY_TTL_MS = 12 * 3600_000;
/**
 * Display items (messages) in regions opened by armor/found but not yet claimed by a frame, kept at most. They live
 * in storage.session, whose quota also holds the unlocked key: a page that floods us with armor gets RateLimited,
 * not a full session store. Counted in items, not regions (a region holds 1 to LIMITS.regionItems messages), so
 * the bound means the same as when every message had its own handle.
 */
export const MAX_OPEN_DISPLAY_ITEMS = 2_000;
/**
 * Display items one tab may hold in regions, claimed or not (claimed regions keep their armor in storage.session
 * until released, the tab closes or 12 h idle): a page that keeps producing armor its frames claim cannot fill the
 * session store either. 10,000 items of ~300 B is ~3 MB of the 10 MB quota. The content script releases regions
 * whose rows the site removed, so a long-running chat stays far below it.
 */
export const MAX_TAB_DISPLAY_ITEMS = 10_000;
export const COMPOSE_IDLE_TTL_MS = 12 * 3600_000;
/** Outputs kept for the content script to collect (if a push was missed). */
const MAX_OUTPUTS = 20;
/** Where the open display item count is mirrored (see JobRegistry.openItems). */
const OPEN_COUNT_KEY = 'count:displayOpen';
/** A fetch refreshes a claimed job's lastUsed only when older than this (saves a write per fetch). */
const TOUCH_EVERY_MS = 60_000;

export interface Opener {
  tabId: number;
  frameId: number;
}

/** The frame a job is bound to. `documentId` is compared when the browser gave one at the claim. */
export interface BoundFrame {
  tabId: number;
  frameId?: number;
  documentId?: string;
}

export interface DisplayJob {
  kind: 'display';
  handle: string;
  jobId: string;
  opener: Opener;
  host: string;
  conversationId?: string;
  /** The region's messages in page order (parts, page author, reserved height). */
  items: FoundArmor[];
  createdAt: number;
  /** Last claim or fetch. */
  lastUsed: number;
  /** Set by display/open: only this frame may fetch. */
  boundTo?: BoundFrame;
}

export interface ComposeJobRecord {
  kind: 'compose';
  handle: string;
  jobId: string;
  opener: Opener;
  host: string;
  conversationId: string;
  createdAt: number;
  lastUsed: number;
  claimedBy?: BoundFrame;
  outputs: ComposeOutput[];
  /** Set by the opener when the page interfered; submits are refused from then on. */
  blocked?: string;
}

interface HandleRef {
  kind: 'display' | 'compose';
  jobId: string;
}
export class JobRegistry {
  /**
   * Items of unclaimed display jobs (see MAX_OPEN_DISPLAY_ITEMS). Kept in memory and mirrored to the store with each
   * change (OPEN_COUNT_KEY), so a restarted worker reads one number instead of recounting; expired jobs stay counted
   * until a sweep (at the bound, and every few minutes from the maintenance alarm) recounts exactly.
   */
  private openItems: number | undefined;
  private loading: Promise<void> | undefined;
  /** Display items per opener tab (MAX_TAB_DISPLAY_ITEMS); recounted from the tab's markers on first use. */
  private readonly tabItems = new Map<number, number>();
  /** Handles being claimed right now: a second claim of the same handle in the meantime is refused. */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: { now(): number },
    private readonly random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
    private readonly maxOpenItems: number = MAX_OPEN_DISPLAY_ITEMS,
    private readonly maxTabItems: number = MAX_TAB_DISPLAY_ITEMS,
  ) {}

  /**
   * Registers a region of armor -> its handle. O(1): an in-memory count of open items (recounted by a sweep at
   * worker start, at the bound and on the maintenance alarm), never a listing of the store per call.
   */
  async openDisplay(job: Pick<DisplayJob, 'opener' | 'host' | 'conversationId' | 'items'>): Promise<string> {
    const tab = job.opener.tabId;
    const inTab = await this.tabCount(tab);
    if (inTab + job.items.length > this.maxTabItems) {
      throw new OvercryptError(ErrorCode.RateLimited, 'this tab shows too many encrypted messages; reload it to start over');
    }
    await this.reserve(job.items.length);
    const handle = this.newId();
    const jobId = this.newId();
    const now = this.clock.now();
    const record: DisplayJob = { ...job, kind: 'display', handle, jobId, createdAt: now, lastUsed: now };
    try {
      await this.store.setMany({
        [`job:h:${handle}`]: { kind: 'display', jobId } satisfies HandleRef,
        [`job:d:${jobId}`]: stripUndefined(record),
        [`dtab:${tab}:${jobId}`]: job.items.length,
        [OPEN_COUNT_KEY]: this.openItems,
      });
    } catch (e) {
      this.openItems! -= job.items.length;
      throw e;
    }
    this.tabItems.set(tab, (this.tabItems.get(tab) ?? inTab) + job.items.length);
    return handle;
  }

  /**
   * display/open: consumes the handle and binds the job to the calling frame (tab + frame + document). NotFound for
   * unknown, used or expired handles; Forbidden from another tab (the handle is not used up then).
   */
  async claimDisplay(handle: string, caller: Caller): Promise<DisplayJob> {
    if (this.claiming.has(handle)) throw gone();
    this.claiming.add(handle);
    try {
      const ref = await this.store.get<HandleRef>(`job:h:${handle}`);
      if (!ref || ref.kind !== 'display') throw gone();
      const job = await this.store.get<DisplayJob>(`job:d:${ref.jobId}`);
      if (!job || job.boundTo || this.displayExpired(job)) throw gone();
      if (caller.tabId !== job.opener.tabId) throw new OvercryptError(ErrorCode.Forbidden, 'frame is not where the job was opened');
      job.boundTo = stripUndefined({ tabId: caller.tabId, frameId: caller.frameId, documentId: caller.documentId });
      job.lastUsed = this.clock.now();
      await this.store.setMany({ [`job:d:${job.jobId}`]: job, ...(await this.uncount(job.items.length)) });
      return job;
    } finally {
      this.claiming.delete(handle);
    }
  }

  /** Whether `handle` is an unclaimed display job opened from `tabId` (the content script handing it to its spare). */
  async isOpenDisplayHandle(handle: string, tabId: number | undefined): Promise<boolean> {
    const ref = await this.store.get<HandleRef>(`job:h:${handle}`);
    if (ref?.kind !== 'display') return false;
    const job = await this.store.get<DisplayJob>(`job:d:${ref.jobId}`);
    return !!job && !job.boundTo && !this.displayExpired(job) && job.opener.tabId === tabId;
  }

  /** The display job, if `caller` is the frame that claimed it. NotFound for unknown, unclaimed or expired jobs. */
  async displayForFrame(jobId: string, caller: Caller): Promise<DisplayJob> {
    const job = await this.store.get<DisplayJob>(`job:d:${jobId}`);
    if (!job || !job.boundTo || this.displayExpired(job)) throw gone();
    if (!sameFrame(job.boundTo, caller)) throw new OvercryptError(ErrorCode.Forbidden, 'this frame does not own the display job');
    return job;
  }

  /** Keeps a claimed display job alive (written at most once a minute). */
  async touchDisplay(job: DisplayJob): Promise<void> {
    const now = this.clock.now();
    if (now - job.lastUsed < TOUCH_EVERY_MS) return;
    job.lastUsed = now;
    await this.store.set(`job:d:${job.jobId}`, job);
  }

  async openCompose(job: Pick<ComposeJobRecord, 'opener' | 'host' | 'conversationId'>): Promise<{ handle: string; jobId: string }> {
    const handle = this.newId();
    const jobId = this.newId();
    const now = this.clock.now();
    const record: ComposeJobRecord = { ...job, kind: 'compose', handle, jobId, createdAt: now, lastUsed: now, outputs: [] };
    await this.store.setMany({ [`job:h:${handle}`]: { kind: 'compose', jobId } satisfies HandleRef, [`job:c:${jobId}`]: record });
    return { handle, jobId };
  }

  async claimCompose(handle: string, caller: Caller): Promise<ComposeJobRecord> {
    const ref = await this.store.get<{ kind: string; jobId?: string }>(`job:h:${handle}`);
    if (!ref || ref.kind !== 'compose' || !ref.jobId) throw gone();
    const job = await this.store.get<ComposeJobRecord>(`job:c:${ref.jobId}`);
    if (!job || this.expired(job.createdAt, HANDLE_TTL_MS)) throw gone();
    if (caller.tabId !== job.opener.tabId) throw new OvercryptError(ErrorCode.Forbidden, 'frame is not where the job was opened');
    await this.store.delete(`job:h:${handle}`);
    job.claimedBy = { tabId: caller.tabId, frameId: caller.frameId, documentId: caller.documentId };
    job.lastUsed = this.clock.now();
    await this.store.set(`job:c:${job.jobId}`, job);
    return job;
  }

  /** The compose job, if `caller` is the frame that claimed it. */
  async composeForFrame(jobId: string, caller: Caller): Promise<ComposeJobRecord> {
    const job = await this.liveCompose(jobId);
    if (!job.claimedBy || !sameFrame(job.claimedBy, caller)) throw new OvercryptError(ErrorCode.Forbidden, 'this frame does not own the compose job');
    return job;
  }

  /** The compose job, if `caller` is the content script that opened it. */
  async composeForOpener(jobId: string, caller: Caller): Promise<ComposeJobRecord> {
    const job = await this.liveCompose(jobId);
    if (job.opener.tabId !== caller.tabId || job.opener.frameId !== caller.frameId) {
      throw new OvercryptError(ErrorCode.Forbidden, 'not the opener of this compose job');
    }
    return job;
  }

  async addOutput(job: ComposeJobRecord, output: ComposeOutput): Promise<void> {
    job.outputs = [...job.outputs, output].slice(-MAX_OUTPUTS);
    job.lastUsed = this.clock.now();
    await this.store.set(`job:c:${job.jobId}`, job);
  }

  async takeOutputs(job: ComposeJobRecord): Promise<ComposeOutput[]> {
    const outputs = job.outputs;
    job.outputs = [];
    await this.store.set(`job:c:${job.jobId}`, job);
    return outputs;
  }

  async block(job: ComposeJobRecord, reason: string): Promise<void> {
    job.blocked = reason;
    await this.store.set(`job:c:${job.jobId}`, job);
  }

  async touch(job: ComposeJobRecord): Promise<void> {
    job.lastUsed = this.clock.now();
    await this.store.set(`job:c:${job.jobId}`, job);
  }

  /**
   * Forgets a job by handle or job id (only the opener's tab may). A display region's handle still drops the job
   * after its frame claimed it (the content script knows only the handle).
   */
  async release(handleOrJobId: string, caller: Caller): Promise<void> {
    const ref = await this.store.get<HandleRef>(`job:h:${handleOrJobId}`);
    if (ref?.kind === 'display') {
      const job = await this.store.get<DisplayJob>(`job:d:${ref.jobId}`);
      if (!job) return this.store.delete(`job:h:${handleOrJobId}`);
      return this.dropDisplay(job, caller.tabId);
    }
    if (ref) {
      const owner = (await this.store.get<ComposeJobRecord>(`job:c:${ref.jobId}`))?.opener;
      if (!owner || owner.tabId === caller.tabId) await this.store.delete(`job:h:${handleOrJobId}`);
      return;
    }
    const display = await this.store.get<DisplayJob>(`job:d:${handleOrJobId}`);
    if (display) return this.dropDisplay(display, caller.tabId);
    const compose = await this.store.get<ComposeJobRecord>(`job:c:${handleOrJobId}`);
    if (compose && compose.opener.tabId === caller.tabId) await this.store.delete(`job:c:${handleOrJobId}`);
  }

  /** A tab closed: forget its page contexts, seen message ids and display jobs (its compose jobs expire on their own). */
  async forgetTab(tabId: number): Promise<void> {
    this.tabItems.delete(tabId);
    const keys = [...(await this.store.keys(`ctx:${tabId}:`)), `seen:${tabId}`, `held:${tabId}` /* an earlier version's index */];
    for (const marker of await this.store.keys(`dtab:${tabId}:`)) {
      const jobId = marker.slice(`dtab:${tabId}:`.length);
      const job = await this.store.get<DisplayJob>(`job:d:${jobId}`);
      keys.push(marker, `job:d:${jobId}`);
      if (!job) continue;
      keys.push(`job:h:${job.handle}`);
      if (!job.boundTo) await this.store.setMany(await this.uncount(job.items.length));
    }
    await this.store.deleteMany(keys);
  }

  /** Drops expired handles and jobs, idle compose jobs; recounts the open display items. Returns how many went. */
  async sweep(): Promise<number> {
    return this.sweepOnce();
  }

  private async sweepOnce(): Promise<number> {
    let open = 0;
    const drop: string[] = [];
    const live = new Set<string>();
    const keys = await this.store.keys('job:');
    // Jobs first, so references can be checked against what stays.
    for (const key of keys.filter((k) => !k.startsWith('job:h:'))) {
      if (key.startsWith('job:c:')) {
        const job = await this.store.get<ComposeJobRecord>(key);
        if (!job || this.expired(job.lastUsed ?? 0, COMPOSE_IDLE_TTL_MS)) drop.push(key);
        else live.add(job.jobId);
      } else if (key.startsWith('job:d:')) {
        const job = await this.store.get<DisplayJob>(key);
        if (!job || !Array.isArray(job.items) || this.displayExpired(job)) {
          drop.push(key);
          if (job?.opener) drop.push(`dtab:${job.opener.tabId}:${job.jobId}`);
        } else {
          live.add(job.jobId);
          if (!job.boundTo) open += job.items.length;
        }
      } else {
        drop.push(key); // a record of an older version
      }
    }
    for (const key of keys.filter((k) => k.startsWith('job:h:'))) {
      const ref = await this.store.get<Partial<HandleRef>>(key);
      if (!ref?.jobId || !live.has(ref.jobId)) drop.push(key);
    }
    for (const marker of await this.store.keys('dtab:')) {
      if (!live.has(marker.slice(marker.lastIndexOf(':') + 1))) drop.push(marker);
    }
    const unique = [...new Set(drop)];
    await this.store.deleteMany(unique);
    this.tabItems.clear(); // recounted per tab on next use
    this.openItems = open;
    await this.store.set(OPEN_COUNT_KEY, open);
    return unique.filter((k) => k.startsWith('job:')).length;
  }

  /** The open count, read from the store once per worker start. */
  private async openCount(): Promise<number> {
    if (this.openItems === undefined) {
      this.loading ??= this.store.get<number>(OPEN_COUNT_KEY).then((n) => {
        this.openItems ??= typeof n === 'number' && n >= 0 ? n : 0;
      });
      await this.loading;
    }
    return this.openItems!;
  }

  private async tabCount(tabId: number): Promise<number> {
    let n = this.tabItems.get(tabId);
    if (n === undefined) {
      n = 0;
      for (const marker of await this.store.keys(`dtab:${tabId}:`)) {
        const items = await this.store.get<number>(marker);
        n += typeof items === 'number' && items > 0 ? items : 1;
      }
      this.tabItems.set(tabId, n);
    }
    return n;
  }

  private async reserve(items: number): Promise<void> {
    if ((await this.openCount()) + items > this.maxOpenItems) {
      await this.sweep();
      if (this.openItems! + items > this.maxOpenItems) {
        throw new OvercryptError(ErrorCode.RateLimited, 'too many messages waiting to be displayed; try again shortly');
      }
    }
    this.openItems! += items;
  }

  /** Takes `items` off the open count; returns the store write that mirrors it. */
  private async uncount(items: number): Promise<Record<string, number>> {
    this.openItems = Math.max(0, (await this.openCount()) - items);
    return { [OPEN_COUNT_KEY]: this.openItems };
  }

  private async dropDisplay(job: DisplayJob, callerTab: number | undefined): Promise<void> {
    if (job.opener.tabId !== callerTab) return;
    await this.store.deleteMany([`job:d:${job.jobId}`, `job:h:${job.handle}`, `dtab:${job.opener.tabId}:${job.jobId}`]);
    const inTab = this.tabItems.get(job.opener.tabId);
    if (inTab !== undefined) this.tabItems.set(job.opener.tabId, Math.max(0, inTab - job.items.length));
    if (!job.boundTo) await this.store.setMany(await this.uncount(job.items.length));
  }

  private async liveCompose(jobId: string): Promise<ComposeJobRecord> {
    const job = await this.store.get<ComposeJobRecord>(`job:c:${jobId}`);
    if (!job || this.expired(job.lastUsed, COMPOSE_IDLE_TTL_MS)) throw gone();
    return job;
  }

  private displayExpired(job: DisplayJob): boolean {
    return job.boundTo ? this.expired(job.lastUsed, HELD_DISPLAY_TTL_MS) : this.expired(job.createdAt, HANDLE_TTL_MS);
  }

  private expired(since: number, ttl: number): boolean {
    return this.clock.now() - since > ttl;
  }

  private newId(): string {
    const bytes = this.random(16);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
}

function sameFrame(bound: BoundFrame, caller: Caller): boolean {
  return (
    bound.tabId === caller.tabId &&
    bound.frameId === caller.frameId &&
    (bound.documentId === undefined || bound.documentId === caller.documentId)
  );
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function gone(): OvercryptError {
  return new OvercryptError(ErrorCode.NotFound, 'unknown, used or expired handle');
}
