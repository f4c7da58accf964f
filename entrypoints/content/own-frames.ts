/**
 * What this content script created. A page can copy our attributes (`data-overcrypt`), not these sets: whether a
 * node is ours is decided here, never from the markup.
 */
const ownFrames = new WeakSet<Element>();
const ownElements = new WeakSet<Node>();

export function markOwnFrame(frame: Element): void {
  ownFrames.add(frame);
  ownElements.add(frame);
}

export function isOwnFrame(frame: Element): boolean {
  return ownFrames.has(frame);
}

/** Marks an element we inserted (a frame's wrapper, our root container): its subtree is ours. */
export function markOwnElement(el: Element): void {
  ownElements.add(el);
}

/** True for a node inside an element we inserted (the scanner ignores mutations there). */
export function isOwnNode(node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parentNode) if (ownElements.has(n)) return true;
  return false;
}
