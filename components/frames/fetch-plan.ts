/**
 * Which items of a display region to ask the worker for next. Pure, so the order is testable without a browser.
 *
 * Rule (docs: /work/briefs/regions.md, "Fetch order"):
 * - While any pending item is in view, the next request is every pending item in view or within `nearPx` of the
 *   in-view band, in one request (what the user looks at comes first, and scrolling a little finds text ready).
 * - Otherwise the next request is the `chunk` pending items nearest to the in-view band (by pixel distance, then by
 *   index); with nothing in view (the frame is off screen and cannot know where the viewport is), index order.
 * The caller asks again after every answer, so items that come into view while chunks run jump the queue.
 */

export interface FetchPlanInput {
  /** Items not fetched yet and not in flight. */
  pending: ReadonlySet<number>;
  /** Items intersecting the top-level viewport now. */
  inView: ReadonlySet<number>;
  heightsPx: readonly number[];
  /** How far around the in-view band items still count as "near" for the first request. */
  nearPx: number;
  /** Most items in a background request. */
  chunk: number;
}

/** Default size of a background request (regions.md: chunks of at most 25). */
export const FETCH_CHUNK = 25;

/** Top offset of every item, plus the total height at the end. */
export function itemOffsets(heightsPx: readonly number[]): number[] {
  const out = [0];
  for (const h of heightsPx) out.push(out[out.length - 1]! + h);
  return out;
}

/** Pixel distance from item `i` to the band [top, bottom]; 0 when it overlaps. */
function distance(offsets: readonly number[], i: number, band: { top: number; bottom: number }): number {
  const top = offsets[i]!;
  const bottom = offsets[i + 1]!;
  return Math.max(0, band.top - bottom, top - band.bottom);
}

function inViewBand(offsets: readonly number[], inView: ReadonlySet<number>): { top: number; bottom: number } | undefined {
  let top = Infinity;
  let bottom = -Infinity;
  for (const i of inView) {
    if (i < 0 || i + 1 >= offsets.length) continue;
    top = Math.min(top, offsets[i]!);
    bottom = Math.max(bottom, offsets[i + 1]!);
  }
  return top <= bottom ? { top, bottom } : undefined;
}

/** Indices for the next `display/fetch`, ascending; empty when nothing is pending. */
export function nextBatch({ pending, inView, heightsPx, nearPx, chunk }: FetchPlanInput): number[] {
  if (pending.size === 0) return [];
  const offsets = itemOffsets(heightsPx);
  const band = inViewBand(offsets, inView);
  const candidates = [...pending].filter((i) => i >= 0 && i < heightsPx.length).sort((a, b) => a - b);
  if (!band) return candidates.slice(0, Math.max(1, chunk));

  if (candidates.some((i) => inView.has(i))) {
    const near = { top: band.top - nearPx, bottom: band.bottom + nearPx };
    // Strict overlap: with nearPx 0 an item that only touches the band is not near.
    return candidates.filter((i) => inView.has(i) || (offsets[i + 1]! > near.top && offsets[i]! < near.bottom));
  }
  return candidates
    .map((i) => ({ i, d: distance(offsets, i, band) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, Math.max(1, chunk))
    .map((x) => x.i)
    .sort((a, b) => a - b);
}

/**
 * Items overlapping a vertical band of the frame (frame coordinates, e.g. the intersection of the frame's document
 * with the viewport), from the heights alone: lets the frame know what is in view before the items are observed.
 */
export function itemsInBand(heightsPx: readonly number[], band: { top: number; bottom: number }): Set<number> {
  const offsets = itemOffsets(heightsPx);
  const out = new Set<number>();
  if (!(band.bottom > band.top)) return out;
  for (let i = 0; i < heightsPx.length; i++) if (offsets[i + 1]! > band.top && offsets[i]! < band.bottom) out.add(i);
  return out;
}
