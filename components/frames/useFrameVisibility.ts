import { useEffect, useState } from 'preact/hooks';
import { watchVisibility } from '../../lib/page/visibility';

export interface FrameVisibilityEnv {
  IntersectionObserver?: typeof IntersectionObserver;
  document: Pick<Document, 'visibilityState' | 'documentElement'>;
  setInterval(cb: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

/**
 * Visibility of this frame as a whole, as the browser reports it. With IntersectionObserver v2 (Chromium) that
 * includes being covered by the embedding page; without it, only "in the viewport and the tab is shown" can be
 * known from inside a frame (the content script's geometry check covers the rest from outside).
 * Starts false: nothing is shown and no key accepted until the first report.
 */
export function useFrameVisibility(env: FrameVisibilityEnv | undefined): boolean {
  const [visible, setVisible] = useState(env === undefined);
  useEffect(() => {
    if (!env) return;
    const root = env.document.documentElement;
    let inViewport = false;
    const IO = env.IntersectionObserver;
    // v1 fallback: the ratio of the frame inside the top-level viewport.
    const v1 = IO && !('trackVisibility' in IO.prototype)
      ? new IO((entries) => {
          const last = entries[entries.length - 1];
          if (last) inViewport = last.intersectionRatio >= 0.99;
        }, { threshold: [0, 0.99, 1] })
      : undefined;
    v1?.observe(root);
    const watch = watchVisibility(root, setVisible, {
      IntersectionObserver: IO,
      setInterval: env.setInterval,
      clearInterval: env.clearInterval,
      fallbackCheck: () => env.document.visibilityState === 'visible' && inViewport,
    });
    return () => {
      watch.stop();
      v1?.disconnect();
    };
  }, [env]);
  return visible;
}
