import { holdScroll, pinnedListsAbove } from './scroll-keep';

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

/** Where the compose frame and the status chip above it go, for the site's compose box at `r`. */
export interface ComposeLayout {
  frame: Box;
  chip: Box;
}

/**
 * The compose frame sits at the bottom of the site's box, at least `minHeight` tall; the chip takes the `chipRoom`
 * strip above it. Once the box has been given that room (reserveRoom), both lie inside the box and cover nothing
 * of the page around it; a box that could not be grown gets a frame growing upwards over what is above it.
 */
export function composeLayout(r: Box & { bottom: number }, minHeight: number, chipRoom: number): ComposeLayout {
  const height = Math.max(r.height - chipRoom, minHeight);
  const top = r.bottom - height;
  return {
    frame: { top, left: r.left, width: r.width, height },
    chip: { top: Math.max(0, top - chipRoom), left: r.left, width: r.width, height: Math.max(0, chipRoom - 2) },
  };
}

/** Enough of a window for reserveRoom / reserveStrip. */
export interface RoomEnv {
  getComputedStyle(el: Element): Pick<CSSStyleDeclaration, 'paddingTop'> & Partial<Pick<CSSStyleDeclaration, 'marginTop'>>;
}

type RoomProp = 'min-height' | 'padding-top' | 'margin-top';

/**
 * Sets `values` on the box's inline style (!important), keeping message lists above it that showed their newest
 * message at the bottom (`abovePx`: how far above the box's border box to look for them). Returns the undo, which
 * keeps them pinned too.
 */
function setRoom(box: HTMLElement, values: Partial<Record<RoomProp, string>>, abovePx: () => number): () => void {
  const props = Object.keys(values) as RoomProp[];
  const saved = props.map((prop) => ({ prop, value: box.style.getPropertyValue(prop), priority: box.style.getPropertyPriority(prop) }));
  const restoreScroll = holdScroll(pinnedListsAbove(box, abovePx()));
  for (const prop of props) box.style.setProperty(prop, values[prop]!, 'important');
  restoreScroll();
  return () => {
    const again = holdScroll(pinnedListsAbove(box, abovePx()));
    for (const s of saved) {
      if (s.value) box.style.setProperty(s.prop, s.value, s.priority);
      else box.style.removeProperty(s.prop);
    }
    again();
  };
}

/**
 * Grows the site's compose box so the compose frame (and the chip strip above it) fit inside it: `min-height`
 * for the whole, `padding-top` for the chip strip (the site's own placeholder moves under our frame). The site's
 * layout then gives the room to the box, so the message list above ends above our frame instead of behind it.
 * Message lists that were scrolled to the bottom are scrolled to the bottom again (their newest message stays in
 * sight). Returns a function that puts the box's own inline styles back (keeping pinned lists pinned again).
 */
export function reserveRoom(box: HTMLElement, heightPx: number, topPadPx: number, env: RoomEnv): () => void {
  const pad = Number.parseFloat(env.getComputedStyle(box).paddingTop) || 0;
  return setRoom(box, { 'min-height': `${Math.round(heightPx)}px`, 'padding-top': `${Math.round(pad + topPadPx)}px` }, () => 8);
}

/**
 * A strip of `stripPx` right above the site's compose box, inside the site's compose area (the box's `margin-top`
 * grows by it): room for the status chip while secure compose is not holding room, so the chip never lies over
 * the message list. The box's original top margin stays below the strip: the chip goes at
 * `stripAbove(...)` = from `top - marginTop - stripPx` to `top - marginTop`.
 */
export function reserveStrip(box: HTMLElement, stripPx: number, env: RoomEnv): { release: () => void; marginPx: number } {
  const margin = Number.parseFloat(env.getComputedStyle(box).marginTop ?? '') || 0;
  let applied = false;
  const release = setRoom(box, { 'margin-top': `${Math.round(margin + stripPx)}px` }, () => (applied ? margin + stripPx : margin) + 8);
  applied = true;
  return { release, marginPx: margin };
}

/** Where the chip goes in the strip reserveStrip made, for the box's rectangle `r`. */
export function stripAbove(r: Box, marginPx: number, stripPx: number): Box {
  return { top: Math.max(0, r.top - marginPx - stripPx), left: r.left, width: r.width, height: Math.max(0, stripPx - 2) };
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
