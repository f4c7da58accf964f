/**
 * A page may embed our frame pages itself (it can read the URL of a frame we embedded, handle included) to race our
 * frame for the single-use handle or to show our UI where it likes. Every iframe pointing into the extension that
 * the content script did not create is removed as soon as the mutation is seen.
 */

/** Iframes at or under `node` whose URL starts with `origin` and which `isOurs` does not know. */
export function foreignFrames(node: Node, origin: string, isOurs: (frame: Element) => boolean): Element[] {
  if (node.nodeType !== 1) return [];
  const el = node as Element;
  const frames = el.tagName === 'IFRAME' ? [el] : Array.from(el.querySelectorAll('iframe, frame, object, embed'));
  return frames.filter((f) => {
    const url = f.getAttribute('src') ?? f.getAttribute('data') ?? '';
    return url.startsWith(origin) && !isOurs(f);
  });
}

/** Starts removing foreign extension frames under `root`; returns a stop function. */
export function removeForeignFrames(
  root: Node,
  origin: string,
  isOurs: (frame: Element) => boolean,
  MO: typeof MutationObserver,
  onRemoved?: (frame: Element) => void,
): () => void {
  const sweep = (node: Node) => {
    for (const f of foreignFrames(node, origin, isOurs)) {
      f.remove();
      onRemoved?.(f);
    }
  };
  const mo = new MO((records) => {
    for (const r of records) {
      if (r.type === 'attributes') sweep(r.target);
      else r.addedNodes.forEach(sweep);
    }
  });
  mo.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['src', 'data'] });
  sweep(root);
  return () => mo.disconnect();
}
