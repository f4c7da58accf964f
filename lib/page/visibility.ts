/**
 * Is an element fully visible and not covered? A frame that shows the security pattern or accepts keystrokes must
 * be, or a page could lay its own look-alike over part of it, or make it transparent, and harvest what the user
 * types. Two ways:
 * - IntersectionObserver v2 (`trackVisibility`, Chromium): the browser itself reports occlusion, transforms,
 *   opacity and filters of every ancestor frame. Used inside our frames.
 * - Geometry + `elementFromPoint` at the centre and corners: used where v2 is missing, from the embedding page's
 *   side (content script), where it can see what lies over our iframe.
 */

export type VisibilityListener = (visible: boolean) => void;

export interface VisibilityWatch {
  readonly visible: boolean;
  stop(): void;
}

type IntersectionObserverV2Init = IntersectionObserverInit & { trackVisibility?: boolean; delay?: number };
type IntersectionEntryV2 = IntersectionObserverEntry & { isVisible?: boolean };

/** True when the browser implements IntersectionObserver v2. */
export function supportsTrackVisibility(IO: typeof IntersectionObserver | undefined): boolean {
  return !!IO && 'trackVisibility' in IO.prototype;
}

/** Points inset from the corners by this many px (borders and rounding). */
const INSET = 2;

/**
 * Geometry check from the document that contains `el`: inside the viewport, not hidden by CSS, and the element on
 * top at the centre and the four corners is `el` itself (or inside it).
 */
export function geometryVisible(el: Element, doc: Document, viewport: { width: number; height: number }): boolean {
  if (!el.isConnected) return false;
  const r = el.getBoundingClientRect();
  if (r.width < 2 * INSET + 1 || r.height < 2 * INSET + 1) return false;
  if (r.top < 0 || r.left < 0 || r.bottom > viewport.height || r.right > viewport.width) return false;
  const check = (el as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
  if (check && !check.call(el, { opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) return false;
  const points: [number, number][] = [
    [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
    [r.left + INSET, r.top + INSET],
    [r.right - INSET, r.top + INSET],
    [r.left + INSET, r.bottom - INSET],
    [r.right - INSET, r.bottom - INSET],
  ];
  return points.every(([x, y]) => {
    const hit = doc.elementFromPoint(x, y);
    return hit !== null && (hit === el || el.contains(hit));
  });
}

export interface WatchEnv {
  IntersectionObserver?: typeof IntersectionObserver;
  /** Fallback polling when v2 is missing. */
  setInterval(cb: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  /** Fallback check (geometryVisible bound to a document and viewport, or a frame-side approximation). */
  fallbackCheck(): boolean;
  pollMs?: number;
}

/**
 * Watches `el` and calls `onChange` whenever its visibility changes. Starts as not visible until the first report
 * (fail closed).
 */
export function watchVisibility(el: Element, onChange: VisibilityListener, env: WatchEnv): VisibilityWatch {
  let visible = false;
  const set = (v: boolean) => {
    if (v === visible) return;
    visible = v;
    onChange(v);
  };
  if (supportsTrackVisibility(env.IntersectionObserver)) {
    const IO = env.IntersectionObserver!;
    const init: IntersectionObserverV2Init = { threshold: [0, 0.99, 1], trackVisibility: true, delay: 100 };
    const io = new IO((entries) => {
      const last = entries[entries.length - 1] as IntersectionEntryV2 | undefined;
      if (last) set(last.isVisible === true && last.intersectionRatio >= 0.99);
    }, init);
    io.observe(el);
    return {
      get visible() {
        return visible;
      },
      stop: () => io.disconnect(),
    };
  }
  const tick = () => set(env.fallbackCheck());
  const id = env.setInterval(tick, env.pollMs ?? 200);
  tick();
  return {
    get visible() {
      return visible;
    },
    stop: () => env.clearInterval(id),
  };
}
