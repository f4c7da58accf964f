/**
 * Grouping of encrypted messages into display regions: one display frame shows a run of messages that sit next to
 * each other in the page (history loads as long runs; a live message arriving alone is a region of one).
 *
 * Pure: works on the page's element tree, reads no layout. Two messages are adjacent when their rows share a parent
 * and nothing the user would see sits between them: only elements `separates` says no to (date markers drawn by CSS,
 * rows we hide) or rows of other messages being grouped. Order is document order; a region holds at most
 * `maxItems` messages (and at most `maxWeight` armor characters), so a long run becomes several regions.
 */

/** One message to show: the row the frame goes into, and every row that carried a part of it (`anchor` first). */
export interface RegionUnit {
  anchor: Element;
  members: readonly Element[];
}

export interface GroupOptions<U> {
  maxItems: number;
  /** True for a sibling between two messages that must stay visible in place (a message, a visible notice). */
  separates(el: Element): boolean;
  /** Per-unit weight (armor characters) and the most one region may carry. */
  weight?(unit: U): number;
  maxWeight?: number;
  /** Siblings examined between two messages before they count as not adjacent (bounds the work). */
  maxGap?: number;
}

/** Messages per region: a screenful of history and more (history far away goes into few frames); under the API's LIMITS.regionItems. */
export const REGION_MAX_ITEMS = 200;
export const DEFAULT_MAX_GAP = 64;

const FOLLOWING = 4; // Node.DOCUMENT_POSITION_FOLLOWING (lib/ does not assume a DOM global)

interface Placed<U> {
  unit: U;
  parent: ParentNode | null;
  /** Index of the anchor among its parent's element children, and of the unit's last row (-1: rows spread). */
  first: number;
  last: number;
}

/**
 * Splits `units` into regions: runs of adjacent messages in document order, each at most `maxItems` long.
 * Units whose rows are detached or spread over several parents form a region of their own.
 */
export function groupIntoRegions<U extends RegionUnit>(units: readonly U[], opts: GroupOptions<U>): U[][] {
  const placed = locate(units);
  const ownRows = new Set<Element>();
  for (const { unit } of placed) for (const m of unit.members) if (m !== unit.anchor) ownRows.add(m);

  const regions: U[][] = [];
  let current: U[] = [];
  let weight = 0;
  let previous: Placed<U> | undefined;
  for (const p of placed) {
    const w = opts.weight?.(p.unit) ?? 0;
    const fits = current.length < opts.maxItems && (opts.maxWeight === undefined || weight + w <= opts.maxWeight);
    if (previous && fits && adjacent(previous, p, ownRows, opts)) {
      current.push(p.unit);
      weight += w;
    } else {
      if (current.length > 0) regions.push(current);
      current = [p.unit];
      weight = w;
    }
    previous = p;
  }
  if (current.length > 0) regions.push(current);
  return regions;
}

/**
 * Document order without a comparison per pair: each parent's children are indexed once (compareDocumentPosition
 * between siblings walks the sibling list, which on a 1,000-row history would be quadratic).
 */
function locate<U extends RegionUnit>(units: readonly U[]): Placed<U>[] {
  const indexOf = new Map<ParentNode, Map<Element, number>>();
  const childIndex = (parent: ParentNode): Map<Element, number> => {
    let map = indexOf.get(parent);
    if (!map) {
      map = new Map();
      const children = parent.children;
      for (let i = 0; i < children.length; i++) map.set(children[i]!, i);
      indexOf.set(parent, map);
    }
    return map;
  };
  const placed: Placed<U>[] = [];
  for (const unit of units) {
    if (!unit.anchor.isConnected) continue;
    const parent = unit.anchor.parentNode;
    if (!parent) continue;
    const index = childIndex(parent);
    const first = index.get(unit.anchor) ?? -1;
    let last = first;
    for (const m of unit.members) {
      const i = m.parentNode === parent ? index.get(m) : undefined;
      if (i === undefined) {
        last = -1; // a part shown under another parent: this message stays a region of its own
        break;
      }
      last = Math.max(last, i);
    }
    placed.push({ unit, parent, first, last });
  }
  const parentOrder = [...indexOf.keys()];
  parentOrder.sort((a, b) => (a === b ? 0 : (a as Node).compareDocumentPosition(b as Node) & FOLLOWING ? -1 : 1));
  const rank = new Map(parentOrder.map((p, i) => [p, i]));
  // Stable: several armors in one element keep their order in the text.
  return placed
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank.get(a.p.parent!)! - rank.get(b.p.parent!)! || a.p.first - b.p.first || a.i - b.i)
    .map((x) => x.p);
}

function adjacent<U extends RegionUnit>(a: Placed<U>, b: Placed<U>, ownRows: Set<Element>, opts: GroupOptions<U>): boolean {
  if (a.parent !== b.parent || a.last < 0 || b.last < 0) return false;
  if (b.first === a.last) return true; // two armors in one element
  if (b.first < a.last) return false; // b sits among a's parts
  const gap = b.first - a.last - 1;
  if (gap > (opts.maxGap ?? DEFAULT_MAX_GAP)) return false;
  const children = a.parent!.children;
  for (let i = a.last + 1; i < b.first; i++) {
    const el = children[i]!;
    if (!ownRows.has(el) && opts.separates(el)) return false;
  }
  return true;
}
