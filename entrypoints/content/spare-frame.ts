/**
 * One display frame loaded before a region needs it. A frame's document takes 100–150 ms to load; a spare, loaded
 * while the page itself is still loading, lets the first region (the messages on screen) skip that wait: it asks
 * the worker for its region as soon as it runs (`display/await`), and the content script has the worker hand it the
 * region it moved it into (`display/toSpare`, lib/service/spares.ts).
 *
 * The spare waits off screen and is moved into its region with `moveBefore`, which keeps an iframe's document where
 * an ordinary insert would load it again. Without `moveBefore` (browsers before Chromium 133; Firefox) there is no
 * spare and every region loads its own frame. A spare never holds a handle: until it takes one, the page can learn
 * nothing from it but the frame page's URL, which any frame of ours shows.
 */
import { markOwnElement, markOwnFrame } from './own-frames';

export const SPARE_ATTR_VALUE = 'display-spare';
/** A spare nobody took goes away after this long (the worker stops keeping it waiting after as long). */
export const SPARE_LIFETIME_MS = 20_000;

type MovableParent = Element & { moveBefore(node: Node, child: Node | null): void };

export interface TakenFrame {
  frame: HTMLIFrameElement;
  /** Its document has loaded (the handle arrives as a fragment change: no further `load`). */
  loaded: boolean;
}

export class SpareFrame {
  private frame: HTMLIFrameElement | undefined;
  private holder: HTMLElement | undefined;
  private loaded = false;
  private expiry: ReturnType<typeof setTimeout> | undefined;

  /** `url`: the display frame page without fragment. `attr`: our marker attribute (data-overcrypt). */
  constructor(
    private readonly doc: Document,
    private readonly url: () => string,
    private readonly attr: string,
  ) {}

  static supported(doc: Document): boolean {
    return typeof (doc.documentElement as Partial<MovableParent> | null)?.moveBefore === 'function';
  }

  /** Starts loading a spare unless one is there already. */
  prepare(): void {
    if (this.frame?.isConnected || !SpareFrame.supported(this.doc)) return;
    this.discard();
    const { doc } = this;
    const holder = doc.createElement('div');
    holder.setAttribute(this.attr, 'spare');
    markOwnElement(holder);
    holder.style.cssText =
      'position:fixed;left:-10000px;top:0;width:400px;height:60px;overflow:hidden;visibility:hidden;pointer-events:none;margin:0;padding:0;border:0;';
    const frame = doc.createElement('iframe');
    frame.setAttribute(this.attr, SPARE_ATTR_VALUE);
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    frame.style.cssText = 'display:block;border:0;width:100%;height:100%;';
    markOwnFrame(frame);
    this.loaded = false;
    frame.addEventListener('load', () => (this.loaded = this.frame === frame), { once: true });
    frame.src = this.url();
    holder.append(frame);
    // At document_start there is no body yet; the holder then sits in <html> ahead of it.
    (doc.body ?? doc.documentElement).append(holder);
    this.frame = frame;
    this.holder = holder;
    this.expiry = setTimeout(() => this.discard(), SPARE_LIFETIME_MS);
  }

  /** Moves the spare into `parent` (last child), its document kept; undefined when there is none to take. */
  take(parent: Element): TakenFrame | undefined {
    const frame = this.frame;
    if (!frame?.isConnected || !parent.isConnected) return undefined;
    try {
      (parent as MovableParent).moveBefore(frame, null);
    } catch {
      return undefined; // a move the browser refuses (e.g. across documents): the region loads a frame of its own
    }
    const taken = { frame, loaded: this.loaded };
    this.frame = undefined;
    this.discard();
    frame.removeAttribute('aria-hidden');
    return taken;
  }

  /** Removes the spare (the page is left as it was). */
  discard(): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    this.frame?.remove();
    this.holder?.remove();
    this.frame = undefined;
    this.holder = undefined;
    this.loaded = false;
  }
}
