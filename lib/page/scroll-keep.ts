/**
 * Keeps message lists where the user left them while we change the page's layout (compose room reserved, display
 * regions placed: rows hidden, frames put in). A list that showed its newest message (scrolled to the bottom) shows
 * it again afterwards; any other list keeps the row at its top edge where it was (the row the user was reading),
 * even when the browser's own scroll anchoring gives up because we hid the node it anchored to.
 *
 * Usage: `const restore = holdScroll(lists); ...writes...; restore();` The reads happen before the writes and the
 * restore reads once after them (one layout).
 */

/** Pixels from the end that still count as "at the bottom" (fractional scroll positions, zoom). */
const BOTTOM_SLACK_PX = 4;

/** Whether `el` scrolls vertically (has more content than room). */
export function scrolls(el: Element): boolean {
  return el.scrollHeight > el.clientHeight + 1;
}

/** Whether a scrollable `el` shows its bottom end. */
export function isPinnedToBottom(el: Element): boolean {
  return scrolls(el) && el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
}

/** The nearest ancestor of `el` (itself excluded) that scrolls vertically, or null (the document scrolls). */
export function scrollContainerOf(el: Element): Element | null {
  const win = el.ownerDocument.defaultView;
  for (let p = el.parentElement; p; p = p.parentElement) {
    if (p === el.ownerDocument.body || p === el.ownerDocument.documentElement) return null;
    const oy = win?.getComputedStyle(p).overflowY ?? '';
    if ((oy === 'auto' || oy === 'scroll' || oy === 'overlay') && scrolls(p)) return p;
  }
  return null;
}

interface Held {
  el: Element;
  pinned: boolean;
  /** Not pinned: an element at the list's top edge and its offset from the list's top before the writes. */
  anchor?: Element;
  anchorTop?: number;
}

/** The element at the top edge of a scrolled list (what the user reads first), if the browser can tell. */
function topAnchor(list: Element): { anchor: Element; top: number } | undefined {
  const doc = list.ownerDocument;
  if (typeof doc.elementsFromPoint !== 'function') return undefined;
  const r = list.getBoundingClientRect();
  const stack = doc.elementsFromPoint(r.left + Math.min(40, r.width / 2), r.top + 2);
  const anchor = stack.find((e) => e !== list && list.contains(e));
  return anchor ? { anchor, top: anchor.getBoundingClientRect().top - r.top } : undefined;
}

function displayed(el: Element): boolean {
  return el.isConnected && el.getClientRects().length > 0;
}

/**
 * Notes where each list is; returns the function that puts them back after the caller's layout changes. A list
 * pinned to the bottom is scrolled to the bottom again; another keeps its top row at the same place (left alone
 * when that row itself was hidden: the browser's anchoring or the user decides).
 */
export function holdScroll(lists: Iterable<Element>): () => void {
  const held: Held[] = [];
  for (const el of new Set(lists)) {
    if (!el.isConnected || !scrolls(el)) continue;
    if (isPinnedToBottom(el)) {
      held.push({ el, pinned: true });
      continue;
    }
    const a = topAnchor(el);
    held.push({ el, pinned: false, anchor: a?.anchor, anchorTop: a?.top });
  }
  return () => {
    for (const h of held) {
      if (!h.el.isConnected) continue;
      if (h.pinned) {
        h.el.scrollTop = h.el.scrollHeight;
      } else if (h.anchor && h.anchorTop !== undefined && displayed(h.anchor)) {
        const delta = h.anchor.getBoundingClientRect().top - h.el.getBoundingClientRect().top - h.anchorTop;
        if (Math.abs(delta) >= 1) h.el.scrollTop += delta;
      }
    }
  };
}

/**
 * Scrollable elements just above `box` (the site's message list, seen from its compose box), `abovePx` above its
 * border box (past a margin of ours), that show their bottom end.
 */
export function pinnedListsAbove(box: Element, abovePx = 8): Element[] {
  const doc = box.ownerDocument;
  if (typeof doc.elementsFromPoint !== 'function') return [];
  const r = box.getBoundingClientRect();
  return doc.elementsFromPoint(r.left + r.width / 2, Math.max(0, r.top - abovePx)).filter(isPinnedToBottom);
}
