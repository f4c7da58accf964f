/** The iframes this content script created (a page can copy our attributes, not this set). */
const own = new WeakSet<Element>();

export function markOwnFrame(frame: Element): void {
  own.add(frame);
}

export function isOwnFrame(frame: Element): boolean {
  return own.has(frame);
}
