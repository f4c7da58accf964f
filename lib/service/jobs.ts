/**
 * Jobs bind our frames to one piece of work. A content script opens a job (armor to display, a conversation to
 * compose for) and gets a single-use handle; it puts the handle into the frame it creates; the frame claims the job
 * with it. A handle is consumed by the claim, works only from the same tab the job was opened in, and expires.
 * The compose job then stays bound to the claiming frame (tab + frame + document), which alone may submit.
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { ComposeOutput } from '../api/messages';
import type { Caller } from './senders';
import type { EphemeralStore } from './ephemeral';

export const HANDLE_TTL_MS = 5 * 60_000;
/**
 * A display job answered "locked" waits for the unlock (the frame fetches again then), bound to the frame that
 * asked; it lives this long after its last locked answer.
 */
export const HELD_DISPLAY_TTL_MS = 12 * 3600_000;
/**
 * Unclaimed display handles kept at most (they live in storage.session, whose quota also holds the unlocked key):
 * a page that floods us with armor gets RateLimited, not a full session store.
 */
export const MAX_OPEN_DISPLAY_HANDLES = 2_000;
export const COMPOSE_IDLE_TTL_MS = 12 * 3600_000;
/** Outputs kept for the content script to collect (if a push was missed). */
const MAX_OUTPUTS = 20;

export interface Opener {
  tabId: number;
  frameId: number;
}

export interface DisplayJob {
  kind: 'display';
  handle: string;
  opener: Opener;
  host: string;
  conversationId?: string;
  /** Author as the page shows it (a handle), compared with the signed header. */
  pageAuthor?: string;
  parts: string[];
  createdAt: number;
  /** Set when a fetch was answered "locked": only this frame may fetch it again, until `at` + HELD_DISPLAY_TTL_MS. */
  heldFor?: { frameId?: number; documentId?: string; at: number };
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
  claimedBy?: { tabId: number; frameId?: number; documentId?: string };
  outputs: ComposeOutput[];
  /** Set by the opener when the page interfered; submits are refused from then on. */
  blocked?: string;
}

export class JobRegistry {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: { now(): number },
    private readonly random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
    private readonly maxOpenDisplay: number = MAX_OPEN_DISPLAY_HANDLES,
  ) {}

  async openDisplay(job: Omit<DisplayJob, 'kind' | 'handle' | 'createdAt'>): Promise<string> {
    if ((await this.store.keys('job:h:')).length >= this.maxOpenDisplay) {
      await this.sweep();
      if ((await this.store.keys('job:h:')).length >= this.maxOpenDisplay) {
        throw new OvercryptError(ErrorCode.RateLimited, 'too many messages waiting to be displayed; try again shortly');
      }
    }
    const handle = this.newId();
    await this.store.set(`job:h:${handle}`, { ...job, kind: 'display', handle, createdAt: this.clock.now() } satisfies DisplayJob);
    return handle;
  }

  async openCompose(job: Pick<ComposeJobRecord, 'opener' | 'host' | 'conversationId'>): Promise<{ handle: string; jobId: string }> {
    const handle = this.newId();
    const jobId = this.newId();
    const now = this.clock.now();
    const record: ComposeJobRecord = { ...job, kind: 'compose', handle, jobId, createdAt: now, lastUsed: now, outputs: [] };
    await this.store.set(`job:h:${handle}`, { kind: 'compose', jobId });
    await this.store.set(`job:c:${jobId}`, record);
    return { handle, jobId };
  }

  /**
   * Consumes a display handle (`consume` false: only checks it). Throws NotFound for unknown/used/expired handles,
   * Forbidden from another tab, or from another frame than the one a held job is bound to.
   */
  async claimDisplay(handle: string, caller: Caller, consume = true): Promise<DisplayJob> {
    const job = await this.store.get<DisplayJob | { kind: 'compose' }>(`job:h:${handle}`);
    if (!job || job.kind !== 'display' || this.displayExpired(job)) throw gone();
    if (caller.tabId !== job.opener.tabId) throw new OvercryptError(ErrorCode.Forbidden, 'frame is not where the job was opened');
    const held = job.heldFor;
    if (held && (held.frameId !== caller.frameId || (held.documentId !== undefined && held.documentId !== caller.documentId))) {
      throw new OvercryptError(ErrorCode.Forbidden, 'another frame holds this job');
    }
    if (consume) await this.store.delete(`job:h:${handle}`);
    return job;
  }

  /**
   * Keeps a display job for the frame that asked while the vault is locked: the handle is not used up, only that
   * frame (tab + frame + document) may fetch it again, and it outlives the normal handle lifetime until the unlock.
   */
  async holdDisplay(job: DisplayJob, caller: Caller): Promise<void> {
    const heldFor = { frameId: caller.frameId, documentId: caller.documentId, at: this.clock.now() };
    await this.store.set(`job:h:${job.handle}`, { ...job, heldFor } satisfies DisplayJob);
    // Indexed by tab, so closing the tab drops them at once instead of after HELD_DISPLAY_TTL_MS.
    const key = `held:${job.opener.tabId}`;
    const held = (await this.store.get<string[]>(key)) ?? [];
    if (!held.includes(job.handle)) await this.store.set(key, [...held, job.handle].slice(-this.maxOpenDisplay));
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
    const c = job.claimedBy;
    const same =
      c !== undefined &&
      c.tabId === caller.tabId &&
      c.frameId === caller.frameId &&
      (c.documentId === undefined || c.documentId === caller.documentId);
    if (!same) throw new OvercryptError(ErrorCode.Forbidden, 'this frame does not own the compose job');
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

  /** Forgets a job by handle or job id (only the opener's tab may). */
  async release(handleOrJobId: string, caller: Caller): Promise<void> {
    for (const key of [`job:h:${handleOrJobId}`, `job:c:${handleOrJobId}`]) {
      const job = await this.store.get<{ opener?: Opener; jobId?: string }>(key);
      if (!job) continue;
      const owner = job.opener ?? (job.jobId ? (await this.store.get<ComposeJobRecord>(`job:c:${job.jobId}`))?.opener : undefined);
      if (owner && owner.tabId !== caller.tabId) continue;
      await this.store.delete(key);
    }
  }

  /**
   * A tab closed: forget its page contexts, seen message ids and display jobs held for an unlock (its other jobs
   * expire on their own).
   */
  async forgetTab(tabId: number): Promise<void> {
    const held = (await this.store.get<string[]>(`held:${tabId}`)) ?? [];
    const keys = [...(await this.store.keys(`ctx:${tabId}:`)), `seen:${tabId}`, `held:${tabId}`, ...held.map((h) => `job:h:${h}`)];
    for (const key of keys) await this.store.delete(key);
  }

  /** Drops expired handles and idle compose jobs. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const key of await this.store.keys('job:')) {
      const job = await this.store.get<{ createdAt?: number; lastUsed?: number; kind?: string; jobId?: string; heldFor?: DisplayJob['heldFor'] }>(key);
      const stale =
        !job ||
        (key.startsWith('job:c:')
          ? this.expired(job.lastUsed ?? 0, COMPOSE_IDLE_TTL_MS)
          : job.kind === 'display'
            ? this.displayExpired(job)
            : !(job.jobId && (await this.store.get(`job:c:${job.jobId}`))));
      if (stale) {
        await this.store.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private async liveCompose(jobId: string): Promise<ComposeJobRecord> {
    const job = await this.store.get<ComposeJobRecord>(`job:c:${jobId}`);
    if (!job || this.expired(job.lastUsed, COMPOSE_IDLE_TTL_MS)) throw gone();
    return job;
  }

  private displayExpired(job: { createdAt?: number; heldFor?: DisplayJob['heldFor'] }): boolean {
    return job.heldFor ? this.expired(job.heldFor.at, HELD_DISPLAY_TTL_MS) : this.expired(job.createdAt ?? 0, HANDLE_TTL_MS);
  }

  private expired(since: number, ttl: number): boolean {
    return this.clock.now() - since > ttl;
  }

  private newId(): string {
    const bytes = this.random(16);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
}

function gone(): OvercryptError {
  return new OvercryptError(ErrorCode.NotFound, 'unknown, used or expired handle');
}
