/**
 * The content script's main loop for one page: report the page context, keep the status chip, secure compose and
 * the display frames in step with the conversation the site shows. Browser APIs come in through `PageDeps`, so
 * this runs under happy-dom in tests.
 */
import type { ApiClient, PageStatus, WorkerPush } from '../../lib/api';
import { removeForeignFrames } from '../../lib/page/foreign-frames';
import { windowScheduler } from '../../lib/page/schedule';
import { isOwnFrame, markOwnElement } from './own-frames';
import type { SiteAdapter } from '../../lib/sites';
import { ComposeManager, type ComposeState } from './compose';
import { DisplayManager, OWN_ATTR } from './display';
import { locatorFor, readPageContext, type PageConversation } from './site';
import type { SpareFrame } from './spare-frame';
import { StatusChip } from './status-chip';

export interface PageDeps {
  api: ApiClient;
  doc: Document;
  win: Window & typeof globalThis;
  adapter: SiteAdapter;
  /** Frame page URL for a handle. */
  frameUrl(kind: 'compose' | 'display', handle: string): string;
  /** Subscribes to worker pushes for this tab; returns an unsubscribe. */
  onPush(cb: (push: WorkerPush) => void): () => void;
  /** How often the page context is re-read (ms). */
  contextPollMs?: number;
  /** A display frame loaded ahead for the first region (spare-frame.ts). */
  spare?: SpareFrame;
  /** The worker's answer to the content script's first `page/status` (lets the display start before `page/context`). */
  initialStatus?: PageStatus;
}

const EDITABLE = 'textarea, [contenteditable=""], [contenteditable="true"], [contenteditable="plaintext-only"]';

export class PageController {
  private status: PageStatus | undefined;
  private conversation: PageConversation | undefined;
  private lastContext = '';
  private readonly host: string;
  private readonly container: HTMLElement;
  private readonly chip: StatusChip;
  private readonly compose: ComposeManager;
  private display: DisplayManager | undefined;
  private readonly cleanups: (() => void)[] = [];
  /** Generic adapter: the editable element the user last focused (the lock button sits on it). */
  private focusedEditable: Element | null = null;
  private stopped = false;

  constructor(private readonly deps: PageDeps) {
    const { doc, win } = deps;
    this.host = win.location.host;
    this.container = doc.createElement('div');
    this.container.setAttribute(OWN_ATTR, 'root');
    markOwnElement(this.container); // the scanner ignores mutations of what we put inside (compose frame, chip)
    this.container.style.cssText = 'position:static;width:0;height:0;';
    this.chip = new StatusChip(doc, win, this.container, () => void this.toggle());
    this.compose = new ComposeManager({
      api: deps.api,
      doc,
      win,
      adapter: deps.adapter,
      host: this.host,
      frameUrl: (h) => deps.frameUrl('compose', h),
      composeBox: () => this.composeBox(),
      container: () => this.container,
      onState: (s) => this.renderChip(s),
    });
  }

  async start(): Promise<void> {
    const { doc, win } = this.deps;
    doc.documentElement.append(this.container);
    this.cleanups.push(this.deps.onPush((p) => this.onPush(p)));
    const poll = win.setInterval(() => void this.refreshContext(), this.deps.contextPollMs ?? 1000);
    this.cleanups.push(() => win.clearInterval(poll));
    const onNav = () => void this.refreshContext();
    win.addEventListener('hashchange', onNav);
    win.addEventListener('popstate', onNav);
    this.cleanups.push(() => {
      win.removeEventListener('hashchange', onNav);
      win.removeEventListener('popstate', onNav);
    });
    if (this.deps.adapter.id === 'generic') this.watchFocus();
    const origin = frameOrigin(this.deps.frameUrl('display', 'x'));
    if (origin) this.cleanups.push(removeForeignFrames(doc, origin, isOwnFrame, win.MutationObserver));
    await this.refreshContext(true);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.cleanups.splice(0)) c();
    this.compose.close();
    this.display?.stop();
    this.chip.remove();
    this.container.remove();
  }

  private composeBox(): Element | null {
    if (this.deps.adapter.id === 'generic') return this.focusedEditable?.isConnected ? this.focusedEditable : null;
    return this.deps.adapter.composeBox(this.deps.doc);
  }

  private watchFocus(): void {
    const onFocus = (e: FocusEvent) => {
      const t = e.target as Element | null;
      if (!e.isTrusted || !t || typeof t.closest !== 'function' || t.closest(`[${OWN_ATTR}]`)) return;
      const editable = t.closest(EDITABLE);
      if (editable && editable !== this.focusedEditable && this.compose.current.kind === 'off') {
        this.focusedEditable = editable;
        this.chip.attach(editable);
      }
    };
    this.deps.doc.addEventListener('focusin', onFocus, true);
    this.cleanups.push(() => this.deps.doc.removeEventListener('focusin', onFocus, true));
  }

  /** Re-reads the page; reports it to the worker when it changed (or when `force`). */
  private async refreshContext(force = false): Promise<void> {
    if (this.stopped) return;
    const { context, conversation } = readPageContext(this.deps.adapter, this.deps.doc, this.host);
    const key = JSON.stringify(context);
    if (this.deps.adapter.id !== 'generic') this.chip.attach(conversation ? this.composeBox() : null);
    if (!force && key === this.lastContext) return;
    this.lastContext = key;
    const switched = conversation?.id !== this.conversation?.id;
    this.conversation = conversation;
    // The display needs only "this browser is set up": known from the first status, so history is scanned while
    // the worker takes the page context.
    this.status ??= this.deps.initialStatus;
    this.ensureDisplay();
    try {
      this.status = await this.deps.api.call({ type: 'page/context', context });
    } catch {
      this.status = undefined;
    }
    if (this.stopped) return;
    this.ensureDisplay();
    if (switched) {
      this.display?.prune(); // the site dropped the old conversation's messages
      this.compose.close(); // a compose job belongs to one conversation
    }
    if (switched || force) await this.syncCompose();
    this.renderChip(this.compose.current);
  }

  private async refreshStatus(): Promise<void> {
    try {
      const req: { type: 'page/status'; host: string; conversationId?: string } = { type: 'page/status', host: this.host };
      if (this.conversation) req.conversationId = this.conversation.id;
      this.status = await this.deps.api.call(req);
    } catch {
      return;
    }
    this.ensureDisplay();
    await this.syncCompose();
    this.renderChip(this.compose.current);
  }

  /** Starts the armor scanner once the worker said this browser is set up. */
  private ensureDisplay(): void {
    if (this.display || !this.status?.registered) return;
    // A site adapter reads the identity namespace (The Lounge: the IRC network) from the rendered app; until it
    // shows a conversation the worker's page context carries the host instead, and every author would mismatch.
    if (this.deps.adapter.id !== 'generic' && !this.conversation) return;
    const { doc, win, adapter, api } = this.deps;
    this.display = new DisplayManager({
      api,
      doc,
      root: doc.body ?? doc.documentElement,
      locator: locatorFor(adapter),
      scheduler: windowScheduler(win),
      host: this.host,
      conversationId: () => this.conversation?.id,
      frameUrl: (h) => this.deps.frameUrl('display', h),
      MutationObserver: win.MutationObserver,
      spare: this.deps.spare,
    });
    this.display.start();
  }

  /** Secure compose is open exactly when encryption is on for the shown conversation and the vault is open. */
  private async syncCompose(): Promise<void> {
    const s = this.status;
    const want = !!s && s.registered && !s.locked && s.encryptionOn && !!this.conversation;
    const state = this.compose.current;
    if (!want) {
      if (state.kind !== 'off') this.compose.close();
      return;
    }
    if (state.kind === 'off' || state.kind === 'failed') await this.compose.open(this.conversation!.id);
    else if (this.compose.jobId && state.kind === 'open') return;
  }

  private async toggle(): Promise<void> {
    const s = this.status;
    if (!s || !this.conversation || !s.registered) return;
    const state = this.compose.current;
    if (s.encryptionOn && (state.kind === 'blocked' || state.kind === 'failed')) return this.reopen();
    try {
      this.status = await this.deps.api.call({ type: 'page/setEncryption', host: this.host, conversationId: this.conversation.id, on: !s.encryptionOn });
    } catch {
      return;
    }
    if (!this.status.encryptionOn) this.compose.close();
    await this.syncCompose();
    this.renderChip(this.compose.current);
  }

  /**
   * The user clicked the chip after a blocked send: the text that went into the site's box (hidden under our frame)
   * is cleared so it cannot go out in clear, and a new compose job starts.
   */
  private async reopen(): Promise<void> {
    const box = this.composeBox();
    if (box) {
      try {
        this.deps.adapter.insert(box, '');
      } catch {
        // A box that refuses to be emptied: the new job will block again rather than send anything.
      }
    }
    this.compose.close();
    await this.syncCompose();
  }

  private onPush(push: WorkerPush): void {
    if (push.push === 'compose/ciphertext') return this.compose.onCiphertext(push.jobId, push.output);
    if (push.push === 'display/shown') return this.display?.onShown(push.handle);
    const wasLocked = this.status?.locked === true;
    void this.refreshStatus().then(() => {
      // Frames placed while locked fetch again by themselves on the unlock push (their handles are kept);
      // only armor the worker refused earlier (left visible) is framed again.
      if (wasLocked && this.status && !this.status.locked) this.display?.rescan();
    });
  }

  private renderChip(compose: ComposeState): void {
    this.chip.render({ status: this.status, compose, hasConversation: !!this.conversation });
  }
}

function frameOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.origin !== 'null' ? `${u.origin}/` : `${u.protocol}//${u.host}/`;
  } catch {
    return undefined;
  }
}
