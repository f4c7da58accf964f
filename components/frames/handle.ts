/**
 * The only thing a frame takes from its URL: a single-use handle in the fragment. Anything else (query, extra
 * fragment content) makes the frame refuse to start, so a page cannot pass it options.
 */
const HANDLE = /^[A-Za-z0-9_-]{16,128}$/;

export function handleFromLocation(loc: { hash: string; search: string }): string | undefined {
  if (loc.search !== '') return undefined;
  const h = loc.hash.startsWith('#') ? loc.hash.slice(1) : '';
  return HANDLE.test(h) ? h : undefined;
}

/**
 * A *spare* display frame (loaded ahead, before any region exists, so a region does not wait for a frame load) has
 * neither fragment nor query: it asks the worker for its region instead (`display/await`, lib/service/spares.ts).
 */
export function isSpare(loc: { hash: string; search: string }): boolean {
  return loc.hash === '' && loc.search === '';
}

/** A frame page opened on its own (not inside a page) has nothing to do. */
export function isEmbedded(win: { top: unknown; self: unknown }): boolean {
  try {
    return win.top !== win.self;
  } catch {
    return true; // cross-origin top: embedded
  }
}
