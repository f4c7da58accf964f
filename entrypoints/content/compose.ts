/**
 * Secure compose from the page side. The content script opens a compose job, lays the compose frame over the
 * site's compose box, and later receives the ciphertext (never the plaintext) to put into the site's box and send.
 * It also watches the site's box: text appearing there during secure compose blocks the send (reported to the
 * worker, and no ciphertext is inserted any more for this job).
 */
import type { ApiClient, ComposeOutput } from '../../lib/api';
import { ErrorCode, isError } from '../../lib/errors';
import { deliverParts } from '../../lib/page/deliver';
import { composeLayout, followTarget, reserveRoom, type OverlayHandle } from '../../lib/page/overlay';
import { guardSiteBox, type SiteBoxGuard } from '../../lib/page/site-box';
import { geometryVisible } from '../../lib/page/visibility';
import { composeText, type SiteAdapter } from '../../lib/sites';
import { OWN_ATTR } from './display';
import { markOwnFrame } from './own-frames';

export type ComposeState =
  | { kind: 'off' }
  | { kind: 'opening' }
  | { kind: 'open'; jobId: string; covered: boolean }
  | { kind: 'blocked'; reason: 'siteBoxChanged' | 'frameGone' }
  | { kind: 'failed'; code: string };

export interface ComposeDeps {
  api: ApiClient;
  doc: Document;
  win: Window & typeof globalThis;
  adapter: SiteAdapter;
  host: string;
  frameUrl(handle: string): string;
  /** The site's compose box now (re-read: sites re-render it; the generic adapter uses the focused editable). */
  composeBox(): Element | null;
  /** Where our fixed-position frames live (outside the site's own tree). */
  container(): HTMLElement;
  onState(state: ComposeState): void;
}

/** Room the compose frame needs at least (pattern strip, one text line, the recipients line). */
export const COMPOSE_MIN_HEIGHT_PX = 104;
/** The status chip's strip above the compose frame (inside the site's box while secure compose is open). */
export const CHIP_ROOM_PX = 18;

interface OpenJob {
  jobId: string;
  handle: string;
  frame: HTMLIFrameElement;
  overlay: OverlayHandle;
  guard: SiteBoxGuard;
  box: Element;
  delivered: Set<string>;
  queue: Promise<void>;
  timers: number[];
  blocked: boolean;
  /** True while we write ciphertext and press the site's send ourselves. */
  delivering: boolean;
  stopKeys: () => void;
  /** Gives the site's box its own size back (see reserveRoom). */
  unreserve: () => void;
}

export class ComposeManager {
  private job: OpenJob | undefined;
  private state: ComposeState = { kind: 'off' };
  private opening = 0;

  constructor(private readonly deps: ComposeDeps) {}

  get current(): ComposeState {
    return this.state;
  }

  get jobId(): string | undefined {
    return this.job?.jobId;
  }

  async open(conversationId: string): Promise<void> {
    this.close();
    const attempt = ++this.opening;
    const { api, host } = this.deps;
    const box = this.deps.composeBox();
    if (!box) return this.setState({ kind: 'failed', code: ErrorCode.NotFound });
    this.setState({ kind: 'opening' });
    let opened: { handle: string; jobId: string };
    try {
      opened = await api.call({ type: 'compose/open', host, conversationId });
    } catch (e) {
      if (attempt === this.opening) this.setState({ kind: 'failed', code: isError(e) ? e.code : ErrorCode.Internal });
      return;
    }
    if (attempt !== this.opening) {
      void api.call({ type: 'job/release', handleOrJobId: opened.jobId }).catch(() => undefined);
      return;
    }
    this.job = this.mount(opened, box);
    this.setState({ kind: 'open', jobId: opened.jobId, covered: false });
  }

  /** Removes the frame and forgets the job (conversation switched, encryption turned off, script stopped). */
  close(): void {
    this.opening++;
    const job = this.job;
    this.job = undefined;
    if (job) {
      this.unmount(job);
      void this.deps.api.call({ type: 'job/release', handleOrJobId: job.jobId }).catch(() => undefined);
    }
    if (this.state.kind !== 'off') this.setState({ kind: 'off' });
  }

  /** Ciphertext for our job (worker push, or collected with `compose/output`). */
  onCiphertext(jobId: string, output: ComposeOutput): void {
    const job = this.job;
    if (!job || job.jobId !== jobId || job.delivered.has(output.messageId)) return;
    job.delivered.add(output.messageId);
    job.queue = job.queue.then(() => this.deliver(job, output)).catch(() => undefined);
  }

  private async deliver(job: OpenJob, output: ComposeOutput): Promise<void> {
    // Foreign text in the site's box: inserting now would send it along (or lose ours). Refuse.
    if (job.blocked || job.guard.tripped || composeText(job.box) !== '') {
      this.block(job, 'siteBoxChanged');
      return;
    }
    const { adapter, doc, win } = this.deps;
    // Sites focus their box when they send (The Lounge does in its submit handler): the user, typing on in our
    // frame, must find the focus where it was afterwards.
    const hadFocus = doc.activeElement === job.frame;
    job.guard.pause();
    job.delivering = true;
    try {
      await deliverParts(
        () => (job.box.isConnected ? job.box : this.deps.composeBox()),
        output.parts,
        {
          write: (box, text) => void adapter.insert(box, text),
          send: (box) => void adapter.send(doc, box),
          accepted: (box) => composeText(box) === '',
        },
        { delay: (ms) => new Promise((r) => win.setTimeout(r, ms)), now: () => win.performance.now() },
      );
    } finally {
      job.delivering = false;
      job.guard.resume();
      if (hadFocus && this.job === job && doc.activeElement !== job.frame) job.frame.focus();
    }
  }

  private mount(opened: { handle: string; jobId: string }, box: Element): OpenJob {
    const { doc, win } = this.deps;
    const frame = doc.createElement('iframe');
    frame.setAttribute(OWN_ATTR, 'compose-frame');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('title', 'Overcrypt secure compose');
    frame.style.cssText = 'position:fixed;border:0;background:#fff;color-scheme:normal;z-index:2147483647;';
    markOwnFrame(frame);
    frame.src = this.deps.frameUrl(opened.handle);
    this.deps.container().append(frame);
    const job: OpenJob = {
      jobId: opened.jobId,
      handle: opened.handle,
      frame,
      box,
      overlay: undefined as unknown as OverlayHandle,
      guard: undefined as unknown as SiteBoxGuard,
      delivered: new Set(),
      queue: Promise.resolve(),
      timers: [],
      blocked: false,
      delivering: false,
      stopKeys: () => undefined,
      unreserve: this.reserve(box),
    };
    job.stopKeys = this.holdSiteSend(job);
    // The site's box (under our frame) must not keep the focus: keys would go to the page. Sites focus their box
    // on load, after a send, or on any key press; each time the focus is handed to our frame instead.
    const onFocus = (e: Event) => {
      const t = e.target as Node | null;
      if (this.job === job && t && (t === job.box || job.box.contains(t))) frame.focus();
    };
    doc.addEventListener('focusin', onFocus, true);
    const stopKeys = job.stopKeys;
    job.stopKeys = () => {
      stopKeys();
      doc.removeEventListener('focusin', onFocus, true);
    };
    const active = doc.activeElement;
    if (active && (active === box || box.contains(active))) frame.focus();
    job.overlay = this.follow(job, box);
    job.guard = guardSiteBox(box, () => this.block(job, 'siteBoxChanged'), {
      setInterval: (cb, ms) => win.setInterval(cb, ms),
      clearInterval: (id) => win.clearInterval(id as number),
    });
    // Page side of the visibility check (the frame itself refuses keys while covered) and removal of the frame.
    job.timers.push(
      win.setInterval(() => {
        if (this.job !== job) return;
        if (!frame.isConnected) return this.block(job, 'frameGone');
        const covered = !geometryVisible(frame, doc, { width: win.innerWidth, height: win.innerHeight });
        if (this.state.kind === 'open' && this.state.covered !== covered) this.setState({ ...this.state, covered });
      }, 250),
    );
    // If a push was missed (worker restarted between submit and push), collect what is waiting.
    job.timers.push(
      win.setInterval(() => {
        if (this.job !== job || job.blocked) return;
        this.deps.api
          .call({ type: 'compose/output', jobId: job.jobId })
          .then((r) => r.outputs.forEach((o) => this.onCiphertext(job.jobId, o)))
          .catch(() => undefined);
      }, 2000),
    );
    return job;
  }

  private follow(job: OpenJob, box: Element): OverlayHandle {
    const { win } = this.deps;
    const place = (r: Parameters<typeof composeLayout>[0]) => composeLayout(r, COMPOSE_MIN_HEIGHT_PX, CHIP_ROOM_PX).frame;
    return followTarget(job.frame, box, { win, ResizeObserver: win.ResizeObserver, place }, () => {
      // The site re-rendered its compose box: follow the new one (the old guard's state carries over by blocking).
      const next = this.deps.composeBox();
      if (this.job !== job || !next) return;
      job.overlay.stop();
      job.guard.stop();
      job.unreserve();
      job.box = next;
      job.unreserve = this.reserve(next);
      job.overlay = this.follow(job, next);
      job.guard = guardSiteBox(next, () => this.block(job, 'siteBoxChanged'), {
        setInterval: (cb, ms) => win.setInterval(cb, ms),
        clearInterval: (id) => win.clearInterval(id as number),
      });
      if (composeText(next) !== '') this.block(job, 'siteBoxChanged');
    });
  }

  /**
   * While secure compose is open, Enter in the site's own box (focus was stolen and the user typed there) must not
   * make the site send that text in clear: we stop the key before the site's handlers see it (capture phase on the
   * window) and block the job. Our own key presses during delivery pass.
   */
  private holdSiteSend(job: OpenJob): () => void {
    const { win } = this.deps;
    const onKey = (e: Event) => {
      const k = e as KeyboardEvent;
      if (job.delivering || k.key !== 'Enter' || this.job !== job) return;
      const target = k.target as Node | null;
      if (!target || !(target === job.box || job.box.contains(target))) return;
      k.preventDefault();
      k.stopImmediatePropagation();
      this.block(job, 'siteBoxChanged');
    };
    for (const type of ['keydown', 'keypress']) win.addEventListener(type, onKey, true);
    return () => {
      for (const type of ['keydown', 'keypress']) win.removeEventListener(type, onKey, true);
    };
  }

  private block(job: OpenJob, reason: 'siteBoxChanged' | 'frameGone'): void {
    if (job.blocked) return;
    job.blocked = true;
    void this.deps.api.call({ type: 'compose/block', jobId: job.jobId, reason }).catch(() => undefined);
    if (reason === 'frameGone') {
      this.unmount(job);
      this.job = undefined;
      void this.deps.api.call({ type: 'job/release', handleOrJobId: job.jobId }).catch(() => undefined);
    }
    if (this.job === job || reason === 'frameGone') this.setState({ kind: 'blocked', reason });
  }

  /**
   * Makes the site's box tall enough for our frame and the chip strip, so the frame does not cover the site's
   * newest message (restored on unmount).
   */
  private reserve(box: Element): () => void {
    const { win } = this.deps;
    if (!(box instanceof win.HTMLElement)) return () => undefined;
    return reserveRoom(box, COMPOSE_MIN_HEIGHT_PX + CHIP_ROOM_PX, CHIP_ROOM_PX, win);
  }

  private unmount(job: OpenJob): void {
    job.unreserve();
    job.stopKeys();
    job.overlay.stop();
    job.guard.stop();
    for (const t of job.timers) this.deps.win.clearInterval(t);
    job.frame.remove();
  }

  private setState(state: ComposeState): void {
    this.state = state;
    this.deps.onState(state);
  }
}
