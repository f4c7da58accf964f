/** Ordering of pending work so that what the user sees is decrypted first. */

/** Distance in px between an element's box and the viewport (0 when they overlap). */
export function viewportDistance(rect: { top: number; bottom: number }, viewportHeight: number): number {
  if (rect.bottom < 0) return -rect.bottom;
  if (rect.top > viewportHeight) return rect.top - viewportHeight;
  return 0;
}

/**
 * Sorts nodes: in or near the viewport first, then by distance (stable). Reads all rectangles in one pass
 * (one layout), and leaves nodes without a box (detached, text) in front since resolving them is cheap.
 * `measured` sees each rectangle read, so a caller can reuse it (e.g. a row's width) instead of reading again.
 */
export function byViewportDistance(nodes: Node[], viewportHeight: number, measured?: (el: Element, rect: DOMRectReadOnly) => void): Node[] {
  const keyed = nodes.map((node, i) => {
    const el = node.nodeType === 1 ? (node as Element) : null;
    if (!el || !el.isConnected) return { node, d: -1, i };
    const r = el.getBoundingClientRect();
    measured?.(el, r);
    return { node, d: viewportDistance(r, viewportHeight), i };
  });
  keyed.sort((a, b) => a.d - b.d || a.i - b.i);
  return keyed.map((k) => k.node);
}
