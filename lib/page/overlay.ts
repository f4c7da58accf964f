/**
 * Keeps a frame laid exactly over a page element (the site's compose box): same position and size, following
 * scrolling, resizing and layout changes. The frame is `position: fixed` in a container of ours, so the site's
 * own layout and re-renders cannot move it inside their tree.
 */

export interface Box {
  top: number;
  left: number;
  width: number;
  height: number;
}

/** Inline style for a fixed frame over `rect` (viewport coordinates). */
export function overlayStyle(rect: Box): Record<'top' | 'left' | 'width' | 'height', string> {
  return {
    top: `${Math.round(rect.top)}px`,
    left: `${Math.round(rect.left)}px`,
    width: `${Math.max(0, Math.round(rect.width))}px`,
    height: `${Math.max(0, Math.round(rect.height))}px`,
  };
}

/** Exactly over the target; a target smaller than `minHeight` gets a frame growing upwards (compose boxes sit low). */
export function over(r: Box & { bottom: number }, minHeight: number): Box {
  const height = Math.max(r.height, minHeight);
  return { top: r.bottom - height, left: r.left, width: r.width, height };
}

export interface OverlayEnv {
  win: Pick<Window, 'addEventListener' | 'removeEventListener' | 'requestAnimationFrame' | 'cancelAnimationFrame'>;
  ResizeObserver?: typeof ResizeObserver;
  /** Minimum size of the frame (a tiny one-line box still needs room for the security pattern). */
  minHeightPx?: number;
  /** Where to put the element relative to the target's rectangle (default: exactly over it). */
  place?(rect: Box & { bottom: number; right: number }): Box;
}

export interface OverlayHandle {
  /** Re-measures now (also done on scroll, resize and target size changes). */
  update(): void;
  stop(): void;
}

/**
 * Positions `frame` over `target` and keeps it there. `onTargetGone` fires when the target leaves the document
 * (the site re-rendered its compose box): the caller finds the new box and calls again.
 */
export function followTarget(frame: HTMLElement, target: Element, env: OverlayEnv, onTargetGone?: () => void): OverlayHandle {
  let raf = 0;
  const measure = () => {
    raf = 0;
    if (!target.isConnected) {
      onTargetGone?.();
      return;
    }
    const r = target.getBoundingClientRect();
    const rect = { top: r.top, left: r.left, width: r.width, height: r.height, bottom: r.bottom, right: r.right };
    Object.assign(frame.style, overlayStyle(env.place ? env.place(rect) : over(rect, env.minHeightPx ?? 0)));
  };
  const schedule = () => {
    if (!raf) raf = env.win.requestAnimationFrame(measure);
  };
  Object.assign(frame.style, { position: 'fixed', margin: '0', border: '0', zIndex: '2147483647' });
  measure();
  const ro = env.ResizeObserver ? new env.ResizeObserver(schedule) : undefined;
  ro?.observe(target);
  env.win.addEventListener('scroll', schedule, { capture: true, passive: true });
  env.win.addEventListener('resize', schedule, { passive: true });
  return {
    update: measure,
    stop() {
      if (raf) env.win.cancelAnimationFrame(raf);
      ro?.disconnect();
      env.win.removeEventListener('scroll', schedule, { capture: true });
      env.win.removeEventListener('resize', schedule);
    },
  };
}
