/**
 * Display side of the content script: armor found by the scanner becomes display frames. The content script only
 * moves ciphertext: it sends the armor to the worker (`armor/found`), gets a single-use handle, and embeds the
 * display frame with it. It never sees the plaintext.
 *
 * On sites the user or policy did not enable, the worker answers the frame "click to decrypt" and decrypts only
 * after a click inside our frame (`display/fetch` with `reveal`), so a page cannot probe who can read an armor.
 */
import type { ApiClient } from '../../lib/api';
import { ArmorScanner, type FoundMessage } from '../../lib/page/armor-scanner';
import { ArmorUnits, type ArmorUnit } from '../../lib/page/armor-units';
import { displayFrameHeight } from '../../lib/page/frame-size';
import type { MessageLocator } from '../../lib/page/locator';
import type { Scheduler } from '../../lib/page/schedule';
import { byViewportDistance } from '../../lib/page/viewport';
import { markOwnFrame } from './own-frames';

export const OWN_ATTR = 'data-overcrypt';

export interface DisplayDeps {
  api: ApiClient;
  doc: Document;
  root: Node;
  locator: MessageLocator;
  scheduler: Scheduler;
  host: string;
  conversationId(): string | undefined;
  /** URL of the display frame page for a handle (runtime.getURL, dynamic when use_dynamic_url is set). */
  frameUrl(handle: string): string;
  MutationObserver: typeof MutationObserver;
  onIdle?(): void;
}

interface Placed {
  unitKey: string;
  wrapper: HTMLElement;
  /** Elements we hid, with their previous inline display value. */
  hidden: { el: HTMLElement; display: string }[];
  handle?: string;
}

export function isOwnNode(node: Node): boolean {
  const el = node.nodeType === 1 ? (node as Element) : node.parentElement;
  return !!el?.closest(`[${OWN_ATTR}]`);
}

export class DisplayManager {
  private readonly scanner: ArmorScanner;
  private readonly units = new ArmorUnits();
  /** Per message element (the unit's anchor), the frames placed in it. */
  private readonly placed = new Map<Element, Placed[]>();
  /** Elements carrying later parts of a shown multi-part message, hidden (previous inline display). */
  private readonly continuations = new Map<Element, string>();
  private stopped = false;

  constructor(private readonly deps: DisplayDeps) {
    const win = deps.doc.defaultView;
    this.scanner = new ArmorScanner({
      root: deps.root,
      locator: deps.locator,
      scheduler: deps.scheduler,
      MutationObserver: deps.MutationObserver,
      isOwnNode,
      isApplied: (m) => this.isApplied(m),
      onFound: (f) => this.onFound(f),
      onCleared: (m) => this.remove(m),
      prioritise: (nodes) => byViewportDistance(nodes, win?.innerHeight ?? 800),
      onIdle: deps.onIdle,
    });
  }

  start(): void {
    this.scanner.start();
  }

  /** After a conversation switch the site re-renders; the scanner sees that by itself. This forces a full pass. */
  rescan(): void {
    this.scanner.rescan();
  }

  stop(): void {
    this.stopped = true;
    this.scanner.stop();
    for (const message of [...this.placed.keys()]) this.remove(message);
    for (const [el, display] of this.continuations) (el as HTMLElement).style.display = display;
    this.continuations.clear();
  }

  get frameCount(): number {
    let n = 0;
    for (const list of this.placed.values()) n += list.length;
    return n;
  }

  private isApplied(message: Element): boolean {
    if (this.continuations.has(message)) return (message as HTMLElement).style.display === 'none';
    const list = this.placed.get(message);
    return !!list && list.length > 0 && list.every((p) => p.wrapper.isConnected && message.contains(p.wrapper));
  }

  private onFound(found: FoundMessage): void {
    if (this.placed.size + this.continuations.size > 2000) this.prune();
    // Anything placed earlier in this message is stale (re-render, edit): start over for it.
    if (this.placed.has(found.message)) this.remove(found.message);
    const { units, continuations } = this.units.add(found.message, found.author, found.text, found.matches);
    for (const unit of units) {
      const textElement = unit.anchor === found.message ? found.textElement : this.deps.locator.textOf(unit.anchor);
      if (textElement) this.place(unit, textElement);
    }
    for (const el of continuations) this.hideContinuation(el);
  }

  private showContinuation(el: Element): void {
    const display = this.continuations.get(el);
    if (display === undefined) return;
    this.continuations.delete(el);
    (el as HTMLElement).style.display = display;
  }

  private hideContinuation(el: Element): void {
    const h = el as HTMLElement;
    if (!this.continuations.has(el)) this.continuations.set(el, h.style.display);
    h.style.display = 'none';
  }

  private place(unit: ArmorUnit, textElement: Element): void {
    const { doc } = this.deps;
    const rect = textElement.getBoundingClientRect();
    const width = Math.max(200, rect.width || 400);
    const wrapper = doc.createElement('div');
    wrapper.setAttribute(OWN_ATTR, 'display');
    // Take the text element's place in the site's layout (a flex item, a table cell, a block, an inline span).
    const shown = doc.defaultView?.getComputedStyle(textElement).display || 'block';
    const display = shown === 'inline' || shown === 'contents' ? 'inline-block' : shown === 'none' ? 'block' : shown;
    wrapper.style.cssText = `display:${display};flex:1 1 auto;min-width:0;width:100%;max-width:100%;margin:1px 0;vertical-align:top;`;

    const height = displayFrameHeight(unit.armorChars, width, undefined, unit.kind);
    const hidden: Placed['hidden'] = [];
    const hide = (el: Element) => {
      const h = el as HTMLElement;
      if (hidden.some((x) => x.el === h)) return;
      hidden.push({ el: h, display: h.style.display });
      h.style.display = 'none';
    };
    hide(textElement);
    for (const member of unit.members.slice(1)) this.hideContinuation(member);
    textElement.parentNode?.insertBefore(wrapper, textElement.nextSibling);
    const record: Placed = { unitKey: unit.key, wrapper, hidden };
    const list = this.placed.get(unit.anchor) ?? [];
    list.push(record);
    this.placed.set(unit.anchor, list);

    void this.embed(unit, record, height);
  }

  /** Frames again, with new handles, for every shown message. */
  refreshAll(): void {
    for (const message of [...this.placed.keys()]) this.remove(message);
    this.scanner.rescan();
  }

  private async embed(unit: ArmorUnit, record: Placed, height: number): Promise<void> {
    const { api, host } = this.deps;
    let handle: string;
    try {
      const req: Parameters<ApiClient['call']>[0] & { type: 'armor/found' } = { type: 'armor/found', host, parts: unit.parts };
      const conversationId = this.deps.conversationId();
      if (conversationId) req.conversationId = conversationId;
      if (unit.author) req.pageAuthor = unit.author.slice(0, 256);
      ({ handle } = await api.call(req));
    } catch {
      // Worker unreachable, locked or refused: leave the original armor visible (all parts of it).
      this.unhide(record);
      record.wrapper.remove();
      for (const member of unit.members.slice(1)) this.showContinuation(member);
      return;
    }
    if (this.stopped || !record.wrapper.isConnected) {
      void api.call({ type: 'job/release', handleOrJobId: handle }).catch(() => undefined);
      return;
    }
    record.handle = handle;
    const frame = this.deps.doc.createElement('iframe');
    frame.setAttribute(OWN_ATTR, 'display-frame');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('title', 'Overcrypt message');
    frame.tabIndex = -1;
    frame.style.cssText = `display:block;border:0;width:100%;height:${height}px;color-scheme:normal;background:transparent;`;
    markOwnFrame(frame);
    frame.src = this.deps.frameUrl(handle);
    record.wrapper.append(frame);
  }

  /** Forgets messages the site removed from the page (and releases their jobs). */
  prune(): void {
    for (const message of [...this.placed.keys()]) if (!message.isConnected) this.remove(message);
    for (const el of [...this.continuations.keys()]) if (!el.isConnected) this.continuations.delete(el);
  }

  private unhide(record: Placed): void {
    for (const { el, display } of record.hidden) el.style.display = display;
  }

  /** Removes our frames from a message and shows its original text again. */
  private remove(message: Element): void {
    this.showContinuation(message);
    const list = this.placed.get(message);
    if (!list) return;
    this.placed.delete(message);
    for (const record of list) {
      this.unhide(record);
      record.wrapper.remove();
      if (record.handle) void this.deps.api.call({ type: 'job/release', handleOrJobId: record.handle }).catch(() => undefined);
    }
  }
}
