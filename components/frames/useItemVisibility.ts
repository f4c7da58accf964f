import { useLayoutEffect, useRef, useState, type MutableRef } from 'preact/hooks';

export interface ItemVisibilityEnv {
  IntersectionObserver?: typeof IntersectionObserver;
  document: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;
}

type EntryV2 = IntersectionObserverEntry & { isVisible?: boolean };
type InitV2 = IntersectionObserverInit & { trackVisibility?: boolean; delay?: number };

/** Share of an item that must be inside the viewport to count as fully visible (borders, sub-pixel rounding). */
const FULL = 0.99;

function indexOf(target: Element): number {
  const i = Number((target as HTMLElement).dataset.index);
  return Number.isInteger(i) ? i : -1;
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * Visibility of each item (`article.oc-msg[data-index]` under `container`) of a display region. A region can be
 * taller than the viewport, so "the frame is fully visible" would never hold; the security pattern and the
 * Decrypt button go by the item instead.
 *
 * - `onInView(set)`: items intersecting the top-level viewport, on the first report and on every change (the
 *   implicit root of an IntersectionObserver in a cross-origin iframe is the top-level viewport). Drives the fetch
 *   order.
 * - Returns `fully[i]`: item i is entirely inside the viewport and not covered. "Not covered" comes from
 *   IntersectionObserver v2 (`trackVisibility`, Chromium: occlusion, opacity, transforms of every ancestor frame);
 *   without it only "in the viewport and the tab is shown" is known from inside a frame.
 * Without IntersectionObserver at all: every item counts as in view (fetching is not held back) and none as fully
 * visible (fail closed: no pattern, no Decrypt click).
 */
export function useItemVisibility(
  env: ItemVisibilityEnv,
  container: MutableRef<HTMLElement | null>,
  count: number,
  onInView: (inView: ReadonlySet<number>) => void,
): readonly boolean[] {
  const [fully, setFully] = useState<readonly boolean[]>([]);
  const report = useRef(onInView);
  report.current = onInView;

  // A layout effect: observation starts right after the items are in the DOM, not a frame later (preact runs
  // plain effects after the next paint), so the first report (and the first fetch) comes one frame sooner.
  useLayoutEffect(() => {
    const root = container.current;
    if (!root || count === 0) return;
    const IO = env.IntersectionObserver;
    if (!IO) {
      report.current(new Set(Array.from({ length: count }, (_, i) => i)));
      setFully(Array.from({ length: count }, () => false));
      return;
    }
    const v2 = 'trackVisibility' in IO.prototype;
    const ratio: number[] = Array.from({ length: count }, () => 0);
    const intersecting: boolean[] = Array.from({ length: count }, () => false);
    const uncovered: boolean[] = Array.from({ length: count }, () => false);
    let lastInView: ReadonlySet<number> | undefined;
    let lastFully: boolean[] = [];
    let reported = false;

    const update = () => {
      const inView = new Set<number>();
      intersecting.forEach((on, i) => on && inView.add(i));
      if (!lastInView || !sameSet(lastInView, inView)) {
        lastInView = inView;
        report.current(inView);
      }
      const shown = env.document.visibilityState === 'visible';
      const now = ratio.map((r, i) => r >= FULL && (v2 ? uncovered[i]! : shown));
      if (now.length !== lastFully.length || now.some((f, i) => f !== lastFully[i])) {
        lastFully = now;
        setFully(now);
      }
    };

    const inViewport = new IO(
      (entries) => {
        for (const e of entries) {
          const i = indexOf(e.target);
          if (i < 0 || i >= count) continue;
          intersecting[i] = e.isIntersecting;
          ratio[i] = e.isIntersecting ? e.intersectionRatio : 0;
        }
        reported = true;
        update();
      },
      { threshold: [0, FULL, 1] },
    );
    const init: InitV2 = { threshold: [0, 1], trackVisibility: true, delay: 100 };
    const occlusion = v2
      ? new IO((entries) => {
          for (const e of entries as EntryV2[]) {
            const i = indexOf(e.target);
            if (i >= 0 && i < count) uncovered[i] = e.isVisible === true;
          }
          update();
        }, init)
      : undefined;
    for (const el of root.querySelectorAll('article.oc-msg[data-index]')) {
      inViewport.observe(el);
      occlusion?.observe(el);
    }
    const onVisibility = () => reported && update();
    env.document.addEventListener('visibilitychange', onVisibility);
    return () => {
      inViewport.disconnect();
      occlusion?.disconnect();
      env.document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [env, container, count]);

  return fully;
}
