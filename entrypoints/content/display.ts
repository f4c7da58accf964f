/**
 * Display side of the content script: armor found by the scanner becomes display frames, one per *region* (a run
 * of encrypted messages next to each other in the page, at most REGION_MAX_ITEMS). The content script only moves
 * ciphertext: it sends a region's armor to the worker (`armor/found`), gets a single-use handle, and embeds the
 * display frame with it. It never sees the plaintext.
 *
 * Placement: the frame goes into the region's first row in place of all that row's children (time, nick, text: the
 * frame draws the signed time, the cryptographic sender and the text for every message), so it takes the whole
 * row; every other row of the region is hidden. The frame's height is the sum of the heights reserved per message,
 * computed from the ciphertext only. Rows stay where the site put them, so the site's own inserts of older or newer
 * messages land before or after the region.
 *
 * Work on the host page happens in the scanner's idle slices: units found during a slice are grouped and placed at
 * its end, with one layout read for the whole batch, regions nearest the viewport first.
 *
 * On sites the user or policy did not enable, the worker answers the frame "click to decrypt" and decrypts only
 * after a click inside our frame, so a page cannot probe who can read an armor.
 */
import { LIMITS, type ApiClient, type FoundArmor, type RequestOf } from '../../lib/api';
import { ArmorScanner, type FoundMessage } from '../../lib/page/armor-scanner';
import { ArmorUnits, type ArmorUnit } from '../../lib/page/armor-units';
import { displayFrameHeight, MIN_ITEM_HEIGHT_PX } from '../../lib/page/frame-size';
import type { MessageLocator } from '../../lib/page/locator';
import { groupIntoRegions, REGION_MAX_ITEMS } from '../../lib/page/regions';
import type { Scheduler } from '../../lib/page/schedule';
import { holdScroll, scrollContainerOf } from '../../lib/page/scroll-keep';
import { byViewportDistance, viewportDistance } from '../../lib/page/viewport';
import { isOwnNode, markOwnElement, markOwnFrame } from './own-frames';
import type { SpareFrame, TakenFrame } from './spare-frame';

export { isOwnNode } from './own-frames';

export const OWN_ATTR = 'data-overcrypt';

/**
 * Scanning budget per idle slice; placing what the slice found comes on top, and the two together stay near the
 * 8 ms a slice may take on the host page.
 */
export const SCAN_SLICE_MS = 6;
/** Armor characters in one region: half the API's LIMITS.regionTotal, so a region is never refused for size. */
const REGION_MAX_CHARS = LIMITS.regionTotal / 2;
const MAX_ITEM_HEIGHT_PX = 4096;
const MEDIA = 'img, video, iframe, canvas, svg, picture, object, embed';
/**
 * Display frames loading at once. Each is an out-of-process document; a page of history makes dozens, and if all
 * load together the one in view waits behind the others. Regions nearest the viewport get their frames first, the
 * rest as those finish loading (every region's room is reserved at once all the same).
 */
export const MAX_LOADING_FRAMES = 3;
/** A frame whose `load` never comes (blocked, crashed) stops holding a loading slot after this long. */
const FRAME_LOAD_TIMEOUT_MS = 4000;
/** A frame in view holds its slot at most this long after loading, waiting for its first answer (locked, no answer). */
const FIRST_ANSWER_TIMEOUT_MS = 1500;

export interface DisplayDeps {
  api: ApiClient;
  doc: Document;
  root: Node;
  locator: MessageLocator;
  scheduler: Scheduler;
  host: string;
  conversationId(): string | undefined;
  /** URL of the display frame page for a handle (runtime.getURL, dynamic when use_dynamic_url is set). */
  frameUrl(handle: string): string;
  MutationObserver: typeof MutationObserver;
  onIdle?(): void;
  /** Frames loading at once (default MAX_LOADING_FRAMES). */
  maxLoadingFrames?: number;
  /** A display frame loaded ahead: the next region to get a frame takes it instead of loading one. */
  spare?: SpareFrame;
  /** The least room an item takes (default MIN_ITEM_HEIGHT_PX): how many rows near the viewport count as in view. */
  minItemPx?: number;
}

/** An element's inline `display` before we hid it, to put back exactly. */
interface SavedDisplay {
  value: string;
  priority: string;
  hadStyle: boolean;
}

interface Item {
  unit: ArmorUnit;
  heightPx: number;
  region: Region;
}

interface Region {
  items: Item[];
  /** The first row: the frame goes into it. */
  anchor: HTMLElement;
  wrapper: HTMLElement;
  /**
   * 'inside': the frame replaces the anchor row's children. 'before': the row holds bare text (a generic page's
   * paragraph), which cannot be hidden on its own, so the frame goes right before the row and the row is hidden.
   */
  mode: 'inside' | 'before';
  /** Every element we hid for this region, with its previous inline display. */
  hidden: Map<HTMLElement, SavedDisplay>;
  handle?: string;
  /** Placement order (nearest the viewport first): frames are created in this order. */
  seq: number;
  /** One of its rows was in the viewport when measured. */
  inView: boolean;
  /** Its frame is in the page and loading (holds one of the loading slots until `load`). */
  loading?: () => void;
  /** Taken down: a handle arriving later is released at once. */
  gone: boolean;
  /** The worker said its frame got the first answer (display/shown). */
  shown?: boolean;
  /** Frees its loading slot once that answer came (set while it waits for it). */
  onShown?: () => void;
}

export class DisplayManager {
  private readonly scanner: ArmorScanner;
  private readonly units = new ArmorUnits();
  private readonly regions = new Set<Region>();
  /** Each row (anchor or member) of a placed region. */
  private readonly regionOf = new WeakMap<Element, Region>();
  /** Placed items by unit key: a re-rendered row is matched to the message it carries. */
  private readonly byKey = new Map<string, Set<Item>>();
  /** Units found during the current slice, by anchor row (document order is restored when grouping). */
  private readonly batch = new Map<Element, ArmorUnit[]>();
  /** Width of each message row when the scanner last measured it (to size frames without another layout read). */
  private readonly rowWidth = new WeakMap<Element, number>();
  /** Rows counted in view when the scanner last measured them (what is on screen, or will be once placed). */
  private readonly rowInView = new WeakSet<Element>();
  /** How far from the viewport a row still counts as in view (set by the first measurement of a pass). */
  private nearPx: number | undefined;
  /**
   * Regions in the viewport whose frame has not loaded yet: while there are any, only they get frames (the one
   * the user looks at does not share the machine with frames loading for history far above).
   */
  private readonly firstWave = new Set<Region>();
  /** Regions out of view waiting to send `armor/found` (see flushRequests), and whether one is in flight. */
  private laterRequests: Region[] = [];
  private requesting = false;
  /** Rows whose region the worker refused (locked, unreachable): left visible until the next rescan. */
  private refused = new WeakSet<Element>();
  private stopped = false;
  /** Regions with a handle waiting for their frame (see MAX_LOADING_FRAMES), and how many frames are loading. */
  private readonly waitingFrames = new Set<Region>();
  private loadingFrames = 0;
  private placed = 0;
  /** Scroll container of each message list seen (null: the document scrolls), read once per list element. */
  private readonly listScroller = new WeakMap<Element, Element | null>();

  constructor(private readonly deps: DisplayDeps) {
    const win = deps.doc.defaultView;
    this.scanner = new ArmorScanner({
      root: deps.root,
      locator: deps.locator,
      scheduler: deps.scheduler,
      MutationObserver: deps.MutationObserver,
      isOwnNode,
      isApplied: (m) => this.isApplied(m),
      onFound: (f) => this.onFound(f),
      onCleared: (m) => this.onCleared(m),
      prioritise: (nodes) => {
        const h = win?.innerHeight || 800;
        const distance = new Map<Node, number>();
        const sorted = byViewportDistance(nodes, h, (el, r) => {
          this.rowWidth.set(el, r.width);
          if (deps.locator.messageOf(el) === el) distance.set(el, viewportDistance(r, h)); // message rows only
        });
        // What will be on screen once placed, not only what is now: our items are one line for a short message,
        // where the site wraps the long armor over several, so a list kept at its bottom (or top) pulls more rows
        // into view as regions go in. The rows nearest the viewport, as many as one-line items fill it, count; the
        // distance that takes is kept for later passes (which see only the rows not read yet).
        let near = this.nearPx;
        if (near === undefined) {
          const rows = Math.ceil(h / (deps.minItemPx ?? MIN_ITEM_HEIGHT_PX));
          const measuredDistances = sorted.flatMap((n) => (distance.has(n) ? [distance.get(n)!] : []));
          // Fewer rows than that (the page's root before its messages are listed, a short page): all of them.
          if (measuredDistances.length >= rows) this.nearPx = near = measuredDistances[rows - 1]!;
          else near = Infinity;
        }
        for (const [el, d] of distance) {
          if (d <= near) this.rowInView.add(el as Element);
          else this.rowInView.delete(el as Element);
        }
        return sorted;
      },
      sliceMs: SCAN_SLICE_MS,
      onSliceEnd: () => this.placeBatch(),
      onIdle: deps.onIdle,
    });
  }

  start(): void {
    this.nearPx = undefined;
    this.scanner.start();
    this.scanner.hurry(); // the messages on screen are what the user waits for
  }

  /**
   * A full pass (after an unlock, a conversation switch): regions that have a handle keep it (their frames fetch
   * again by themselves); armor the worker refused earlier is tried again.
   */
  rescan(): void {
    this.refused = new WeakSet();
    this.nearPx = undefined; // measured again on this pass
    this.scanner.rescan();
  }

  /** Frames again, with new handles, for every shown message. */
  refreshAll(): void {
    for (const r of [...this.regions]) this.takeDown(r);
    this.batch.clear();
    this.rescan();
  }

  /** Takes every frame down and puts the page back as it was. */
  stop(): void {
    this.stopped = true;
    this.scanner.stop();
    for (const r of [...this.regions]) this.takeDown(r);
    this.batch.clear();
  }

  /** Forgets regions the site removed from the page (and releases their jobs). */
  prune(): void {
    for (const r of [...this.regions]) if (!r.anchor.isConnected) this.takeDown(r);
  }

  /** Display frames in the page (one per region). */
  get regionCount(): number {
    return this.regions.size;
  }

  private isApplied(message: Element): boolean {
    if (this.refused.has(message) || this.batch.has(message)) return true; // refused, or placed at this slice's end
    const r = this.regionOf.get(message);
    if (!r || r.gone) return false;
    if (message !== r.anchor || r.mode === 'before') return isHiddenBy(r, message);
    if (r.wrapper.parentNode !== message) return false;
    for (const child of Array.from(message.children)) if (child !== r.wrapper && !isHiddenBy(r, child)) return false;
    return true;
  }

  private onFound(found: FoundMessage): void {
    const { message } = found;
    const { units, continuations } = this.units.add(message, found.author, found.text, found.matches);
    const prior = this.regionOf.get(message);
    if (prior && !prior.gone) {
      const keys = new Set([...units.map((u) => u.key), ...continuations.map((c) => c.key)]);
      if (this.intact(prior) && sameKeys(itemKeysAt(prior, message), keys)) {
        // Same message, our hiding undone (the site re-rendered a child, reset a style): hide again.
        this.reapply(prior);
        return;
      }
      // The message changed (edited, different armor): its region is built again.
      this.takeDown(prior, { rebuild: true, except: message });
    }
    this.batch.delete(message);
    for (const unit of units) this.accept(unit);
    for (const c of continuations) this.acceptContinuation(c.element, c.key);
  }

  private onCleared(message: Element): void {
    this.batch.delete(message);
    const r = this.regionOf.get(message);
    if (r && !r.gone) this.takeDown(r, { rebuild: true, except: message });
  }

  /** A complete message found in the page: a re-rendered row of a shown region, or one to place. */
  private accept(unit: ArmorUnit): void {
    if (unit.parts.length > LIMITS.armorParts || unit.armorChars > LIMITS.armorTotal) return; // the worker would refuse it
    for (const item of [...(this.byKey.get(unit.key) ?? [])]) {
      const r = item.region;
      if (!this.intact(r)) {
        // Its first row or its frame is gone: release the job, build the region again from what is left.
        this.takeDown(r, { rebuild: true });
        continue;
      }
      if (!item.unit.anchor.isConnected) {
        // A member row replaced by the site while the frame is in place: the frame still shows that message.
        this.replaceRows(item, unit);
        return;
      }
      // The same armor still shown elsewhere: a second copy in the page, a message of its own.
    }
    const list = this.batch.get(unit.anchor) ?? [];
    list.push(unit);
    this.batch.set(unit.anchor, list);
  }

  /** A re-rendered row carrying a later part of a multi-part message. */
  private acceptContinuation(el: Element, key: string): void {
    for (const item of this.byKey.get(key) ?? []) {
      const r = item.region;
      if (!this.intact(r)) continue;
      if (item.unit.members.includes(el) || item.unit.members.some((m) => !m.isConnected)) {
        this.replaceRows(item, { ...item.unit, members: [...item.unit.members.filter((m) => m.isConnected && m !== el), el] });
        return;
      }
    }
    for (const units of this.batch.values()) {
      for (const unit of units) {
        if (unit.key === key && !unit.members.includes(el)) unit.members = [...unit.members.filter((m) => m.isConnected), el];
      }
    }
    // Otherwise the row stays visible: its message is placed when its first part is (re)scanned.
  }

  private replaceRows(item: Item, unit: ArmorUnit): void {
    const r = item.region;
    const members = unit.members.filter((m) => m.isConnected);
    for (const old of item.unit.members) {
      if (members.includes(old) || old === r.anchor) continue;
      if (this.regionOf.get(old) === r) this.regionOf.delete(old);
      const saved = r.hidden.get(old as HTMLElement);
      if (saved) {
        r.hidden.delete(old as HTMLElement);
        if (old.isConnected) restoreDisplay(old as HTMLElement, saved);
      }
    }
    item.unit = { ...unit, members };
    for (const m of members) {
      this.regionOf.set(m, r);
      if (m !== r.anchor) hide(r, m as HTMLElement);
    }
  }

  /** End of a scanner slice: regions the site broke are rebuilt, then this slice's units are grouped and placed. */
  private placeBatch(): void {
    if (this.stopped) return;
    // Messages in view not read yet, or not even measured (the first slice may go to listing and measuring the
    // rows): the next slice at once, not at the next idle time.
    const unmeasured = this.nearPx === undefined && this.scanner.pending > 0;
    if (unmeasured || this.scanner.isPending((n) => this.rowInView.has(n as Element))) this.scanner.hurry();
    const broken = [...this.regions].filter((r) => !this.intact(r));
    if (broken.length === 0 && this.batch.size === 0) return;
    // Message lists keep their place while rows are hidden and frames put in: one that showed its newest message
    // still does after (The Lounge opens a channel scrolled to the bottom), another keeps its top row in place.
    const restoreScroll = holdScroll(this.scrollersOf([...broken.map((r) => r.anchor), ...this.batch.keys()]));
    try {
      for (const r of broken) this.takeDown(r, { rebuild: true });
      this.placeUnits();
    } finally {
      restoreScroll();
    }
  }

  /** The scrolling elements holding these rows (the document's scrolling element for rows in no scrolling list). */
  private scrollersOf(rows: Iterable<Element>): Element[] {
    const out = new Set<Element>();
    const docScroller = this.deps.doc.scrollingElement;
    for (const row of rows) {
      const list = row.parentElement;
      if (!list) continue;
      let scroller = this.listScroller.get(list);
      if (scroller === undefined) {
        scroller = scrollContainerOf(row);
        this.listScroller.set(list, scroller);
      }
      const s = scroller ?? docScroller;
      if (s) out.add(s);
    }
    return [...out];
  }

  /**
   * At the end of a slice, the regions holding a message in view are placed at once (a run of messages partly on
   * screen stays one region). The other messages wait in the batch until the scanner has read everything or
   * REGION_MAX_ITEMS of them gathered: history far away goes into few large regions, and every frame costs a
   * document load in the extension's one renderer process.
   */
  private placeUnits(): void {
    // Messages in view not read yet (placeBatch hurries the scanner): what is in view is placed as one region after.
    if (this.scanner.isPending((n) => this.rowInView.has(n as Element))) return;
    if (this.batch.size === 0) return;
    const units = [...this.batch.values()].flat().map((u) => ({ ...u, members: u.members.filter((m) => m.isConnected) }));
    const waitingOutOfView = units.filter((u) => !this.rowInView.has(u.anchor)).length;
    const placeAll = this.scanner.pending === 0 || waitingOutOfView >= REGION_MAX_ITEMS;
    if (!placeAll && waitingOutOfView === units.length) return;
    const groups = groupIntoRegions(units, {
      maxItems: REGION_MAX_ITEMS,
      separates: (el) => this.separates(el),
      weight: (u) => u.armorChars,
      maxWeight: REGION_MAX_CHARS,
    });
    const now = placeAll ? groups : groups.filter((g) => g.some((u) => this.rowInView.has(u.anchor)));
    for (const group of now) for (const u of group) this.batch.delete(u.anchor);
    // The scanner works nearest the viewport first (it sorts by the rows' rectangles), so the batch is in that
    // order: a region goes as early as its first-found message. No layout is read here: a row's width comes from
    // the scanner's reading of its rectangle.
    const arrival = new Map<Element, number>();
    units.forEach((u, i) => arrival.set(u.anchor, Math.min(arrival.get(u.anchor) ?? i, i)));
    const ordered = now
      .map((group) => ({ group, first: Math.min(...group.map((u) => arrival.get(u.anchor) ?? 0)) }))
      .sort((a, b) => a.first - b.first);
    // Rows never measured (rare: a rebuilt region's row) are read all together before any write.
    const widths = ordered.map(({ group }) => this.rowWidth.get(group[0]!.anchor) ?? group[0]!.anchor.getBoundingClientRect().width);
    ordered.forEach(({ group }, i) => this.place(group, widths[i]!));
  }

  /** Whether a sibling between two encrypted messages must stay visible in place (it splits the run). */
  private separates(el: Element): boolean {
    if (isOwnNode(el)) return true; // a frame placed before its row ('before' mode) is visible
    const r = this.regionOf.get(el);
    if (r && !r.gone && isHiddenBy(r, el)) return false;
    const h = el as HTMLElement;
    if (h.hidden || h.style?.display === 'none') return false;
    if ((el.textContent ?? '').trim() !== '') return true;
    if (el.querySelector(MEDIA)) return true;
    return this.deps.locator.messageOf(el) === el;
  }

  private place(units: ArmorUnit[], rowWidth: number): void {
    const { doc } = this.deps;
    const anchor = units[0]!.anchor as HTMLElement;
    const parent = anchor.parentNode;
    if (!anchor.isConnected || !parent) return;
    const width = rowWidth > 0 ? Math.max(200, rowWidth) : 400;
    const wrapper = doc.createElement('div');
    wrapper.setAttribute(OWN_ATTR, 'display');
    markOwnElement(wrapper);
    const region: Region = {
      items: [],
      anchor,
      wrapper,
      mode: hasBareText(anchor) ? 'before' : 'inside',
      hidden: new Map(),
      seq: this.placed++,
      inView: units.some((u) => this.rowInView.has(u.anchor)),
      gone: false,
    };
    if (region.inView) this.firstWave.add(region);
    region.items = units.map((unit) => ({ unit, heightPx: itemHeight(unit, width), region }));
    const total = region.items.reduce((n, i) => n + i.heightPx, 0);
    // The whole row, whether the site lays rows out as blocks or flex lines (The Lounge: `.msg` is a flex row on
    // wide screens, a block on narrow ones); the height is reserved now so nothing jumps when the frame loads.
    wrapper.style.cssText =
      `display:block;box-sizing:border-box;flex:1 1 100%;width:100%;min-width:0;max-width:100%;height:${total}px;` +
      'margin:0;padding:0;border:0;';
    if (region.mode === 'inside') {
      for (const child of Array.from(anchor.children)) hide(region, child as HTMLElement);
      anchor.append(wrapper);
    } else {
      hide(region, anchor);
      parent.insertBefore(wrapper, anchor);
    }
    this.regionOf.set(anchor, region);
    for (const item of region.items) {
      this.refused.delete(item.unit.anchor); // tried again (its text changed): its region decides from now on
      for (const m of item.unit.members) {
        this.regionOf.set(m, region);
        if (m !== anchor) hide(region, m as HTMLElement);
      }
      const same = this.byKey.get(item.unit.key) ?? new Set();
      same.add(item);
      this.byKey.set(item.unit.key, same);
    }
    this.regions.add(region);
    if (region.inView) void this.request(region);
    else this.laterRequests.push(region);
    this.flushRequests();
  }

  /**
   * Regions out of view ask the worker for their handle one at a time, once the regions in view have their first
   * answer (each `armor/found` of a large region costs the worker a store write the fetch on screen would wait for);
   * the worker then decrypts them in the background, nearest first. Their room is reserved all the same.
   */
  private flushRequests(): void {
    if (this.requesting || this.stopped || this.firstWave.size > 0) return;
    let next: Region | undefined;
    while ((next = this.laterRequests.shift()) && next.gone);
    if (!next) return;
    this.requesting = true;
    void this.request(next).finally(() => {
      this.requesting = false;
      this.flushRequests();
    });
  }

  private async request(region: Region): Promise<void> {
    const { api, host } = this.deps;
    const items = region.items.map(({ unit, heightPx: h }) => {
      const item: FoundArmor = { parts: unit.parts, heightPx: h };
      if (unit.author) item.pageAuthor = unit.author.slice(0, LIMITS.shortText);
      if (this.rowInView.has(unit.anchor)) item.inView = true;
      return item;
    });
    const req: RequestOf<'armor/found'> = { type: 'armor/found', host, items };
    const conversationId = this.deps.conversationId();
    if (conversationId) req.conversationId = conversationId;
    let handle: string;
    try {
      ({ handle } = await api.call(req));
    } catch {
      // Worker unreachable, locked or refused: the original armor stays visible (every part of it) until the next
      // rescan (an unlock), and the scanner does not ask again for rows it sees unchanged.
      if (region.gone) return;
      this.takeDown(region);
      for (const item of region.items) this.refused.add(item.unit.anchor);
      return;
    }
    if (region.gone || this.stopped) {
      void api.call({ type: 'job/release', handleOrJobId: handle }).catch(() => undefined);
      return;
    }
    region.handle = handle;
    this.waitingFrames.add(region);
    this.pumpFrames();
  }

  /**
   * Creates frames for waiting regions, placement order first, while fewer than the maximum are loading; while a
   * region in the viewport has no loaded frame yet, only regions in the viewport get one.
   */
  private pumpFrames(): void {
    const max = this.deps.maxLoadingFrames ?? MAX_LOADING_FRAMES;
    while (this.loadingFrames < max && !this.stopped) {
      const onlyInView = this.firstWave.size > 0;
      let next: Region | undefined;
      for (const r of this.waitingFrames) if ((!onlyInView || r.inView) && (!next || r.seq < next.seq)) next = r;
      if (!next) {
        // Nothing waits: load a spare for the next region (a new message, history loaded by scrolling up).
        const quiet = this.loadingFrames === 0 && this.waitingFrames.size === 0 && !this.requesting && this.laterRequests.length === 0 && this.batch.size === 0;
        if (quiet) this.deps.spare?.prepare();
        return;
      }
      this.waitingFrames.delete(next);
      if (!next.gone) this.createFrame(next);
    }
  }

  private createFrame(region: Region): void {
    const { doc } = this.deps;
    const heightPx = region.items.reduce((n, i) => n + i.heightPx, 0);
    const spare = this.deps.spare?.take(region.wrapper);
    const frame = spare?.frame ?? doc.createElement('iframe');
    frame.setAttribute(OWN_ATTR, 'display-frame');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('title', region.items.length === 1 ? 'Overcrypt message' : `Overcrypt messages (${region.items.length})`);
    frame.tabIndex = -1;
    frame.style.cssText = `display:block;border:0;width:100%;height:${heightPx}px;color-scheme:normal;background:transparent;`;
    markOwnFrame(frame);
    // One loading slot until the frame shows its region's document (or failed to, or the region went away); for a
    // region in view, until the worker says its frame got the first answer (`display/shown`): the frames loading
    // after it share the extension's one renderer thread and would slow the drawing of what the user looks at.
    this.loadingFrames++;
    const win = doc.defaultView;
    let timer: number | undefined;
    const done = () => {
      if (region.loading !== done) return;
      region.loading = undefined;
      region.onShown = undefined;
      frame.removeEventListener('load', loadedNow);
      frame.removeEventListener('error', done);
      if (timer !== undefined) win?.clearTimeout(timer);
      this.loadingFrames--;
      this.firstWave.delete(region);
      this.pumpFrames();
      this.flushRequests();
    };
    const loadedNow = () => {
      if (region.loading !== done) return;
      if (!region.inView || region.shown) return done();
      region.onShown = done;
      if (timer !== undefined) win?.clearTimeout(timer);
      timer = win?.setTimeout(done, FIRST_ANSWER_TIMEOUT_MS);
    };
    region.loading = done;
    const load = () => {
      frame.addEventListener('load', loadedNow);
      frame.addEventListener('error', done);
      timer = win?.setTimeout(done, FRAME_LOAD_TIMEOUT_MS);
      frame.src = this.deps.frameUrl(region.handle!);
    };
    if (spare) {
      void this.handToSpare(region, spare, done, loadedNow, load);
      return;
    }
    load();
    region.wrapper.append(frame);
  }

  /**
   * The spare (now in the region) waits in the worker for its region: it gets this one's handle and claims it
   * without loading anything. If it does not take it (still loading and not asking yet, two spares in the tab, its
   * wait ran out), it loads the frame page again with the handle in its URL like any frame.
   */
  private async handToSpare(region: Region, spare: TakenFrame, done: () => void, loadedNow: () => void, load: () => void): Promise<void> {
    if (!spare.loaded) await loaded(spare.frame, FRAME_LOAD_TIMEOUT_MS);
    if (region.loading !== done) return; // taken down meanwhile
    const taken = await this.deps.api.call({ type: 'display/toSpare', handle: region.handle! }).then(
      (r) => r.taken,
      () => false,
    );
    if (region.loading !== done) return;
    if (taken) loadedNow();
    else load();
  }

  /** The worker says the frame of the region with this handle got its first answer for what is on screen. */
  onShown(handle: string): void {
    for (const r of this.regions) {
      if (r.handle !== handle) continue;
      r.shown = true;
      r.onShown?.();
    }
  }

  /** The frame is in place in the region's first row (or right before it). */
  private intact(r: Region): boolean {
    if (r.gone || !r.anchor.isConnected || !r.wrapper.isConnected) return false;
    return r.mode === 'inside' ? r.wrapper.parentNode === r.anchor : r.wrapper.parentNode === r.anchor.parentNode;
  }

  private reapply(r: Region): void {
    if (r.mode === 'inside') {
      for (const child of Array.from(r.anchor.children)) if (child !== r.wrapper) hide(r, child as HTMLElement);
    } else {
      hide(r, r.anchor);
    }
    for (const item of r.items) for (const m of item.unit.members) if (m !== r.anchor && m.isConnected) hide(r, m as HTMLElement);
  }

  /**
   * Removes a region's frame and shows its rows again; releases its job. `rebuild`: the messages still in the page
   * go back into the current batch and are placed again at the end of this slice (the worker answers them from
   * its cache), except the one in row `except`, which its caller handles.
   */
  private takeDown(r: Region, opts: { rebuild?: boolean; except?: Element } = {}): void {
    if (r.gone) return;
    r.gone = true;
    this.regions.delete(r);
    this.waitingFrames.delete(r);
    r.loading?.();
    if (this.firstWave.delete(r)) {
      this.pumpFrames();
      this.flushRequests();
    }
    for (const item of r.items) {
      const same = this.byKey.get(item.unit.key);
      same?.delete(item);
      if (same?.size === 0) this.byKey.delete(item.unit.key);
      for (const m of item.unit.members) if (this.regionOf.get(m) === r) this.regionOf.delete(m);
    }
    if (this.regionOf.get(r.anchor) === r) this.regionOf.delete(r.anchor);
    for (const [el, saved] of r.hidden) restoreDisplay(el, saved);
    r.hidden.clear();
    r.wrapper.remove();
    if (r.handle) void this.deps.api.call({ type: 'job/release', handleOrJobId: r.handle }).catch(() => undefined);
    if (!opts.rebuild || this.stopped) return;
    for (const { unit } of r.items) {
      if (!unit.anchor.isConnected || unit.anchor === opts.except || this.batch.has(unit.anchor)) continue;
      if (opts.except && unit.members.includes(opts.except)) {
        this.scanner.recheck(unit.anchor); // a part of it changed: read the whole message again
        continue;
      }
      this.batch.set(unit.anchor, [...(this.batch.get(unit.anchor) ?? []), unit]);
    }
  }
}

/** Resolves when the frame's document loaded (or failed to), or after `timeoutMs`. */
function loaded(frame: HTMLIFrameElement, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const win = frame.ownerDocument.defaultView;
    const finish = () => {
      frame.removeEventListener('load', finish);
      frame.removeEventListener('error', finish);
      if (timer !== undefined) win?.clearTimeout(timer);
      resolve();
    };
    const timer = win?.setTimeout(finish, timeoutMs);
    frame.addEventListener('load', finish);
    frame.addEventListener('error', finish);
  });
}

function itemHeight(unit: ArmorUnit, width: number): number {
  const h = Math.round(displayFrameHeight(unit.armorChars, width, undefined, unit.kind));
  return Math.min(MAX_ITEM_HEIGHT_PX, Math.max(1, h));
}

/** The region's row that comes last in the page (a multi-part message's last part may be it). */
function lastRowOf(units: ArmorUnit[]): Element {
  const last = units[units.length - 1]!;
  return last.members[last.members.length - 1] ?? last.anchor;
}

function hasBareText(el: Element): boolean {
  for (const n of Array.from(el.childNodes)) if (n.nodeType === 3 && (n.nodeValue ?? '').trim() !== '') return true;
  return false;
}

function isHiddenBy(r: Region, el: Element): boolean {
  return r.hidden.has(el as HTMLElement) && (el as HTMLElement).style.display === 'none';
}

function hide(r: Region, el: HTMLElement): void {
  if (!r.hidden.has(el)) {
    r.hidden.set(el, {
      value: el.style.getPropertyValue('display'),
      priority: el.style.getPropertyPriority('display'),
      hadStyle: el.hasAttribute('style'),
    });
  }
  el.style.setProperty('display', 'none', 'important');
}

function restoreDisplay(el: HTMLElement, saved: SavedDisplay): void {
  if (saved.value) el.style.setProperty('display', saved.value, saved.priority);
  else el.style.removeProperty('display');
  if (!saved.hadStyle && (el.getAttribute('style') ?? '').trim() === '') el.removeAttribute('style');
}

/** Keys of the items whose rows include `row`. */
function itemKeysAt(r: Region, row: Element): Set<string> {
  const keys = new Set<string>();
  for (const item of r.items) if (item.unit.members.includes(row) || item.unit.anchor === row) keys.add(item.unit.key);
  return keys;
}

function sameKeys(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}
