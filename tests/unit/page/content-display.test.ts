// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest, FoundArmor, RequestOf } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { createAdapter, THE_LOUNGE } from '../../../lib/sites';
import { genericLocator, type MessageLocator } from '../../../lib/page/locator';
import { displayFrameHeight } from '../../../lib/page/frame-size';
import { REGION_MAX_ITEMS } from '../../../lib/page/regions';
import { EnvelopeKind } from '../../../lib/wire/envelope';
import { DisplayManager } from '../../../entrypoints/content/display';
import { isOwnFrame } from '../../../entrypoints/content/own-frames';
import type { SpareFrame } from '../../../entrypoints/content/spare-frame';
import { locatorFor } from '../../../entrypoints/content/site';
import { fakeApi, type Handler } from '../frames/support';
import { loadLounge } from './lounge-page';
import { armorOf, armorParts, ManualScheduler } from './support';

/** Replies and MutationObserver records are delivered in microtasks: this waits for those, not for time. */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Whether the content script said some item of this region is on screen. */
const anyInView = (c: RequestOf<'armor/found'>) => c.items.some((i) => i.inView === true);
const handleOf = (n: number) => `handle${String(n).padStart(18, '0')}`;
const CONV = 'overcryptnet/group/#overcrypt';

function setup(opts: { handler?: Handler; locator?: MessageLocator; spare?: SpareFrame; minItemPx?: number } = {}) {
  let n = 0;
  const api = fakeApi(opts.handler ?? ((req: ApiRequest) => (req.type === 'armor/found' ? { handle: handleOf(++n) } : {})));
  const sched = new ManualScheduler();
  const dm = new DisplayManager({
    api,
    doc: document,
    root: document.body,
    locator: opts.locator ?? locatorFor(createAdapter(THE_LOUNGE)),
    scheduler: sched,
    host: '127.0.0.1:9000',
    conversationId: () => CONV,
    frameUrl: (h) => `chrome-extension://dyn/display-frame.html#${h}`,
    MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
    spare: opts.spare,
    // Only the rows in the window count as in view unless a test says otherwise (see the test of minItemPx).
    minItemPx: opts.minItemPx ?? 1e9,
  });
  current = dm;
  /** Lets the page's mutations reach the scanner, runs its idle slices, delivers the worker's replies. */
  const run = async () => {
    await settled();
    sched.drain();
    await settled();
  };
  const found = () => api.calls.filter((c): c is RequestOf<'armor/found'> => c.type === 'armor/found');
  const released = () => api.calls.filter((c) => c.type === 'job/release').map((c) => (c as RequestOf<'job/release'>).handleOrJobId);
  return { api, sched, dm, run, found, released };
}

let current: DisplayManager | undefined;
afterEach(() => {
  current?.stop();
  current = undefined;
});

const rows = () => [...document.querySelectorAll('.msg')] as HTMLElement[];
const frames = () => [...document.querySelectorAll('iframe[data-overcrypt="display-frame"]')] as HTMLIFrameElement[];
const srcs = () => frames().map((f) => f.getAttribute('src'));
const msgArmor = (i: number) => armorOf(60 + (i % 7) * 40, i + 1);
/** Expected reserved height for one message at the frame's width (same computation as the content script's). */
const heightFor = (parts: string[], width: number) =>
  displayFrameHeight(parts.join('').length, width, undefined, EnvelopeKind.SenderKeyMessage);

/** happy-dom lays nothing out: rows get the rectangles a test gives them. */
function fakeRects(rect: (row: HTMLElement, index: number) => { top: number; height?: number; width?: number }): void {
  rows().forEach((row, i) => {
    const r = rect(row, i);
    const height = r.height ?? 20;
    const box = { top: r.top, bottom: r.top + height, left: 0, right: r.width ?? 900, width: r.width ?? 900, height, x: 0, y: r.top };
    row.getBoundingClientRect = () => ({ ...box, toJSON: () => box }) as DOMRect;
  });
}

/** Row i shows its message itself: no frame of ours in it and nothing of it hidden. */
function shownAsIs(row: HTMLElement): boolean {
  return row.style.display === '' && !row.querySelector('[data-overcrypt]') && [...row.children].every((c) => (c as HTMLElement).style.display === '');
}

describe('content script display regions', () => {
  it('adjacent encrypted messages: regions of at most REGION_MAX_ITEMS, the one in view flagged and asked first; one armor/found each, items in order, heights summed', async () => {
    const total = REGION_MAX_ITEMS + 120;
    const armors = Array.from({ length: total }, (_, i) => msgArmor(i));
    loadLounge(armors.map((a, i) => ({ from: i % 2 ? 'alice' : 'bob', html: a })));
    fakeRects((_, i) => ({ top: i * 20, width: 700 }));
    const { run, found, dm } = setup();
    dm.start();
    await run();
    for (let i = 0; i < 5; i++) await settled(); // the regions out of view ask one after another

    const calls = found();
    // The region in view asks first (and says so: the worker decrypts it at once); the rest after, in page order.
    expect(calls.map((c) => c.items.length)).toEqual([REGION_MAX_ITEMS, total - REGION_MAX_ITEMS]);
    expect(calls.map(anyInView)).toEqual([true, false]);
    for (const c of calls) {
      expect(c.host).toBe('127.0.0.1:9000');
      expect(c.conversationId).toBe(CONV);
    }
    const items = calls.flatMap((c) => c.items);
    expect(items.map((i) => i.parts)).toEqual(armors.map((a) => [a]));
    expect(items.map((i) => i.pageAuthor)).toEqual(armors.map((_, i) => (i % 2 ? 'alice' : 'bob')));
    // Each item's room depends on its armor and the row's width only (not on the decrypt outcome).
    expect(items.map((i) => i.heightPx)).toEqual(armors.map((a) => heightFor([a], 700)));
    expect(new Set(items.map((i) => i.heightPx)).size).toBeGreaterThan(1);

    // One frame per region, in the region's first row, as tall as its items together; all other rows hidden.
    const all = rows();
    const firsts = [0, REGION_MAX_ITEMS];
    for (let i = 0; i < 5; i++) await settled();
    expect(frames()).toHaveLength(2);
    calls.forEach((c, k) => {
      const frame = all[firsts[k]!]!.querySelector('iframe[data-overcrypt="display-frame"]') as HTMLIFrameElement;
      expect(frame.getAttribute('src')).toBe(`chrome-extension://dyn/display-frame.html#${handleOf(k + 1)}`);
      expect(frame.style.height).toBe(`${c.items.reduce((n: number, i: FoundArmor) => n + i.heightPx, 0)}px`);
    });
    for (const [i, row] of all.entries()) {
      if (firsts.includes(i)) {
        expect(row.style.display).toBe('');
        // time, nick and text all give way to the frame, which takes the whole row
        for (const child of row.children) if (!child.hasAttribute('data-overcrypt')) expect((child as HTMLElement).style.display).toBe('none');
      } else {
        expect(row.style.display).toBe('none');
      }
    }
  });

  it('a plain message between two encrypted ones splits the region', async () => {
    const [a, b, c] = [msgArmor(1), msgArmor(2), msgArmor(3)];
    loadLounge([
      { from: 'alice', html: a },
      { from: 'alice', html: b },
      { from: 'carol', html: 'plain <b>hello</b>' },
      { from: 'alice', html: c },
    ]);
    const { run, found, dm } = setup();
    dm.start();
    await run();
    expect(found().map((f) => f.items.map((i) => i.parts[0]))).toEqual([[a, b], [c]]);
    expect(shownAsIs(rows()[2]!)).toBe(true);
    expect(frames()).toHaveLength(2);
    expect(frames()[1]!.closest('.msg')).toBe(rows()[3]!);
  });

  it('sends armor/found for the regions nearest the viewport first', async () => {
    // Three runs split by plain messages; the last one in the page is in view, the first is far above.
    const pattern = ['A', 'A', 'A', 'P', 'A', 'A', 'P', 'A', 'A', 'A'];
    loadLounge(pattern.map((k, i) => ({ from: 'alice', html: k === 'A' ? msgArmor(i) : 'plain' })));
    const top: Record<number, number> = { 0: -5000, 1: -4980, 2: -4960, 3: -4940, 4: 1200, 5: 1220, 6: 1240, 7: 300, 8: 320, 9: 340 };
    fakeRects((_, i) => ({ top: top[i]! }));
    const { run, found, dm } = setup();
    dm.start();
    await run();
    expect(found().map((f) => f.items.map((i) => i.parts[0]))).toEqual([
      [msgArmor(7), msgArmor(8), msgArmor(9)],
      [msgArmor(4), msgArmor(5)],
      [msgArmor(0), msgArmor(1), msgArmor(2)],
    ]);
  });

  it('messages in view read over several slices are placed together once all are read: one region, each message once', async () => {
    const armors = Array.from({ length: 40 }, (_, i) => msgArmor(i));
    loadLounge(armors.map((a) => ({ from: 'alice', html: a }))); // happy-dom: every row at 0,0, so all "in view"
    const { sched, run, found, dm } = setup();
    let clock = 0;
    sched.now = () => (clock += 1); // every clock read costs 1 ms: a slice holds a few messages only
    let slices = 0;
    const runIdle = sched.runIdle.bind(sched);
    sched.runIdle = () => ((slices += 1), runIdle());
    dm.start();
    await run();
    const calls = found();
    expect(slices).toBeGreaterThan(2);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.items.every((i) => i.inView)).toBe(true);
    // Every message is in exactly one region; each region is a run of neighbours in page order.
    const shown = calls.flatMap((c) => c.items.map((i) => armors.indexOf(i.parts[0]!)));
    expect([...shown].sort((a, b) => a - b)).toEqual(armors.map((_, i) => i));
    for (const c of calls) {
      const idx = c.items.map((i) => armors.indexOf(i.parts[0]!));
      expect(idx).toEqual(idx.map((_, k) => idx[0]! + k));
    }
    expect(frames()).toHaveLength(calls.length);
  });

  it('a first slice spent listing and measuring the rows is followed at once by the next (not at the next idle time)', async () => {
    const armors = Array.from({ length: 40 }, (_, i) => msgArmor(i));
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    const { sched, found, dm } = setup();
    const timeouts: number[] = [];
    const requestIdle = sched.requestIdle.bind(sched);
    sched.requestIdle = (cb: Parameters<typeof requestIdle>[0], timeoutMs?: number) => (timeouts.push(timeoutMs ?? -1), requestIdle(cb));
    let clock = 0;
    sched.now = () => (clock += 10); // every clock read costs 10 ms: the first slice only lists the page's rows
    dm.start();
    await settled();
    sched.runIdle();
    await settled();
    expect(found()).toHaveLength(0); // nothing read yet
    expect(timeouts[timeouts.length - 1]).toBe(1); // the next slice is urgent
  });

  it('history out of view waits until the scan is done and goes into one region; the messages in view go first', async () => {
    const armors = Array.from({ length: 40 }, (_, i) => msgArmor(i));
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    // Scrolled to the newest: the last 3 rows are in the window, the rest far above it.
    fakeRects((_, i) => ({ top: 700 - (40 - i) * 20 + (i >= 37 ? 0 : -2000), width: 700 }));
    const { sched, found, dm } = setup();
    let clock = 0;
    sched.now = () => (clock += 1); // every clock read costs 1 ms: a slice holds a few messages only
    dm.start();
    await settled();
    let slices = 0;
    while (found().length === 0 && sched.runIdle() > 0) {
      slices++;
      await settled();
    }
    // The first slice that read the messages in view placed them (with whatever neighbours it read too).
    expect(found()).toHaveLength(1);
    expect(found()[0]!.items.filter((i) => i.inView).map((i) => armors.indexOf(i.parts[0]!))).toEqual([37, 38, 39]);
    const first = found()[0]!.items.map((i) => armors.indexOf(i.parts[0]!));
    expect(first).toEqual(expect.arrayContaining([37, 38, 39]));
    expect(first.length).toBeLessThan(40);
    // The rest is read over more slices but placed only at the end: one region, not one per slice.
    sched.drain();
    for (let i = 0; i < 5; i++) await settled();
    expect(slices).toBeGreaterThan(0);
    const rest = found().slice(1);
    expect(rest).toHaveLength(1);
    expect(anyInView(rest[0]!)).toBe(false);
    expect(rest[0]!.items.map((i) => armors.indexOf(i.parts[0]!))).toEqual(armors.map((_, i) => i).filter((i) => !first.includes(i)));
  });

  it('counts as in view the rows that will be on screen once placed: as many rows nearest the window as one-line items fill it', async () => {
    const armors = Array.from({ length: 60 }, (_, i) => msgArmor(i));
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    // Site rows of 100 px (long armor wraps), scrolled to the newest: 7 rows in the 768 px window. Our items are at
    // least 24 px, so up to 32 rows can be on screen once placed: the 32 nearest count as in view.
    fakeRects((_, i) => ({ top: 700 - (60 - i) * 100, height: 100, width: 700 }));
    const { run, found, dm } = setup({ minItemPx: 24 });
    dm.start();
    await run();
    const inView = found().flatMap((c) => c.items.filter((i) => i.inView).map((i) => armors.indexOf(i.parts[0]!)));
    expect(inView).toEqual(Array.from({ length: Math.ceil(window.innerHeight / 24) }, (_, k) => 60 - Math.ceil(window.innerHeight / 24) + k));
  });

  it('a message arriving next to a placed region gets a region of its own', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(1) }, { from: 'bob', html: msgArmor(2) }]);
    const { run, found, dm } = setup();
    dm.start();
    await run();
    const list = document.querySelector('.messages')!;
    const live = rows()[1]!.cloneNode(true) as HTMLElement;
    live.id = 'msg-live';
    live.setAttribute('style', '');
    live.removeAttribute('style');
    for (const c of live.children) (c as HTMLElement).removeAttribute('style');
    live.querySelector('[data-overcrypt]')?.remove();
    live.querySelector('.content')!.textContent = msgArmor(3);
    list.append(live);
    await run();
    expect(found().map((f) => f.items.length)).toEqual([2, 1]);
    expect(live.querySelector('iframe')).not.toBeNull();
  });

  it('a member row the site re-renders is hidden again: no new armor/found, the frame stays', async () => {
    const armors = [1, 2, 3, 4].map(msgArmor);
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    const { run, found, released, dm } = setup();
    dm.start();
    await run();
    expect(found()).toHaveLength(1);
    // Vue replaces the third message's element with a fresh copy of the site's markup.
    const old = rows()[2]!;
    const fresh = document.createElement('div');
    fresh.className = 'msg';
    fresh.dataset.type = 'message';
    fresh.dataset.from = 'alice';
    fresh.innerHTML = `<span class="time">08:00</span><span class="from"><span class="user">alice</span></span><span class="content">${armors[2]}</span>`;
    old.replaceWith(fresh);
    await run();
    expect(fresh.style.display).toBe('none');
    expect(found()).toHaveLength(1);
    expect(released()).toEqual([]);
    expect(srcs()).toEqual([`chrome-extension://dyn/display-frame.html#${handleOf(1)}`]);

    // The site undoing our hiding of a member row (a style reset) is put right the same way.
    fresh.removeAttribute('style');
    fresh.querySelector('.content')!.append(''); // any mutation in the row makes the scanner look again
    await run();
    expect(fresh.style.display).toBe('none');
    expect(found()).toHaveLength(1);
  });

  it('the first row re-rendered (frame gone with it): the old handle is released and the region is built again', async () => {
    const armors = [1, 2, 3].map(msgArmor);
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    const { run, found, released, dm } = setup();
    dm.start();
    await run();
    const first = rows()[0]!;
    const fresh = document.createElement('div');
    fresh.className = 'msg';
    fresh.dataset.type = 'message';
    fresh.dataset.from = 'alice';
    fresh.innerHTML = `<span class="time">08:00</span><span class="from">alice</span><span class="content">${armors[0]}</span>`;
    first.replaceWith(fresh);
    await run();
    expect(released()).toEqual([handleOf(1)]);
    expect(found().map((f) => f.items.map((i) => i.parts[0]))).toEqual([armors, armors]);
    expect(srcs()).toEqual([`chrome-extension://dyn/display-frame.html#${handleOf(2)}`]);
    expect(frames()[0]!.closest('.msg')).toBe(fresh);
    expect(rows().slice(1).every((r) => r.style.display === 'none')).toBe(true);
  });

  it('the site removing our frame from the first row: released and rebuilt', async () => {
    loadLounge([1, 2].map((i) => ({ from: 'alice', html: msgArmor(i) })));
    const { run, found, released, dm } = setup();
    dm.start();
    await run();
    rows()[0]!.querySelector('[data-overcrypt]')!.remove();
    await run();
    expect(released()).toEqual([handleOf(1)]);
    expect(found()).toHaveLength(2);
    expect(rows()[0]!.querySelector('iframe')!.getAttribute('src')).toContain(handleOf(2));
  });

  it('a message whose text changed rebuilds its region with the new armor', async () => {
    const armors = [1, 2, 3].map(msgArmor);
    loadLounge(armors.map((a) => ({ from: 'alice', html: a })));
    const { run, found, released, dm } = setup();
    dm.start();
    await run();
    const edited = msgArmor(40);
    rows()[1]!.querySelector('.content')!.textContent = edited;
    await run();
    expect(released()).toEqual([handleOf(1)]);
    expect(found().map((f) => f.items.map((i) => i.parts[0]))).toEqual([armors, [armors[0], edited, armors[2]]]);
    expect(frames()).toHaveLength(1);

    // Edited to plain text: the region is rebuilt around it, and that row shows its text.
    rows()[1]!.querySelector('.content')!.textContent = 'now plain';
    await run();
    expect(released()).toEqual([handleOf(1), handleOf(2)]);
    expect(found().slice(2).map((f) => f.items.map((i) => i.parts[0]))).toEqual([[armors[0]], [armors[2]]]);
    expect(shownAsIs(rows()[1]!)).toBe(true);
  });

  it('armor/found rejected (locked): every original message stays visible, and is not asked for again until a rescan', async () => {
    const long = armorParts(700, 340, 9);
    loadLounge([{ from: 'alice', html: msgArmor(1) }, ...long.map((p) => ({ from: 'alice', html: p }))]);
    const { run, found, dm } = setup({
      handler: () => {
        throw new OvercryptError(ErrorCode.Locked, 'locked');
      },
    });
    dm.start();
    await run();
    expect(found()).toHaveLength(1);
    expect(found()[0]!.items.map((i) => i.parts)).toEqual([[msgArmor(1)], long]);
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
    expect(rows().every(shownAsIs)).toBe(true);
    await run(); // removing our wrapper was a mutation: the scanner looked again, and left the rows alone
    expect(found()).toHaveLength(1);
    dm.rescan();
    await run();
    expect(found()).toHaveLength(2);
  });

  it('a refused row whose text changes is tried again, and from then on follows its region', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(1) }]);
    let n = 0;
    const { run, found, released, dm } = setup({
      handler: (req) => {
        if (req.type !== 'armor/found') return {};
        if (++n === 1) throw new Error('worker busy');
        return { handle: handleOf(n) };
      },
    });
    dm.start();
    await run();
    expect(frames()).toHaveLength(0);
    rows()[0]!.querySelector('.content')!.textContent = msgArmor(2);
    await run();
    expect(found()).toHaveLength(2);
    expect(srcs()).toEqual([`chrome-extension://dyn/display-frame.html#${handleOf(2)}`]);
    rows()[0]!.querySelector('[data-overcrypt]')!.remove(); // the site drops our frame: rebuilt, not left refused
    await run();
    expect(released()).toEqual([handleOf(2)]);
    expect(srcs()).toEqual([`chrome-extension://dyn/display-frame.html#${handleOf(3)}`]);
  });

  it('a rescan (after an unlock) keeps regions that have a handle and frames only the armor the worker refused', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(1) }, { from: 'carol', html: 'plain' }, { from: 'bob', html: msgArmor(2) }]);
    let n = 0;
    const { run, released, dm } = setup({
      handler: (req) => {
        if (req.type !== 'armor/found') return {};
        if (++n === 2) throw new Error('worker busy'); // the second region is refused once
        return { handle: handleOf(n) };
      },
    });
    dm.start();
    await run();
    expect(srcs()).toEqual([`chrome-extension://dyn/display-frame.html#${handleOf(1)}`]);
    dm.rescan();
    await run();
    expect(srcs()).toEqual([handleOf(1), handleOf(3)].map((h) => `chrome-extension://dyn/display-frame.html#${h}`));
    expect(released()).toEqual([]);
  });

  it('refreshAll(): every region framed again with a new handle, the old ones released', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(4) }, { from: 'carol', html: 'plain' }, { from: 'bob', html: msgArmor(6) }]);
    const { run, released, dm } = setup();
    dm.start();
    await run();
    const before = srcs();
    dm.refreshAll();
    await run();
    expect(srcs()).toHaveLength(2);
    expect(srcs().filter((u) => before.includes(u))).toEqual([]);
    expect(released()).toEqual([handleOf(1), handleOf(2)]);
  });

  it('a multi-part message is one item; its continuation rows are hidden', async () => {
    const long = armorParts(700, 340, 2);
    expect(long.length).toBeGreaterThan(1);
    const [a, b] = [msgArmor(1), msgArmor(2)];
    loadLounge([{ from: 'alice', html: a }, ...long.map((p) => ({ from: 'alice', html: p })), { from: 'alice', html: b }]);
    fakeRects((_, i) => ({ top: i * 20, width: 640 }));
    const { run, found, dm } = setup();
    dm.start();
    await run();
    expect(found()).toHaveLength(1);
    expect(found()[0]!.items.map(({ inView: _, ...item }) => item)).toEqual([
      { parts: [a], pageAuthor: 'alice', heightPx: heightFor([a], 640) },
      { parts: long, pageAuthor: 'alice', heightPx: heightFor(long, 640) },
      { parts: [b], pageAuthor: 'alice', heightPx: heightFor([b], 640) },
    ]);
    expect(rows().slice(1).every((r) => r.style.display === 'none')).toBe(true);

    // A continuation row re-rendered by the site stays hidden (the frame shows the whole message).
    const old = rows()[2]!;
    const fresh = old.cloneNode(true) as HTMLElement;
    fresh.removeAttribute('style');
    old.replaceWith(fresh);
    await run();
    expect(fresh.style.display).toBe('none');
    expect(found()).toHaveLength(1);
  });

  it('the same armor shown twice (a replay elsewhere in the page) is two items, not a re-render', async () => {
    const a = msgArmor(1);
    loadLounge([{ from: 'alice', html: a }, { from: 'carol', html: 'plain' }, { from: 'alice', html: a }]);
    const { run, found, dm } = setup();
    dm.start();
    await run();
    expect(found().map((f) => f.items.length)).toEqual([1, 1]);
    expect(frames()).toHaveLength(2);
  });

  it('stop() restores the page exactly (inline styles included) and releases the jobs', async () => {
    const long = armorParts(700, 340, 3);
    loadLounge([{ from: 'alice', html: msgArmor(5) }, ...long.map((p) => ({ from: 'alice', html: p })), { from: 'bob', html: msgArmor(6) }]);
    const all = rows();
    all[1]!.style.display = 'flex'; // the site's own inline values come back as they were
    all[0]!.querySelector('.time')!.setAttribute('style', 'color: red;');
    all[2]!.style.setProperty('display', 'block', 'important');
    const list = document.querySelector('.messages')!;
    const before = list.innerHTML;
    const { run, released, dm } = setup();
    dm.start();
    await run();
    expect(list.innerHTML).not.toBe(before);
    expect(all[1]!.style.display).toBe('none');
    dm.stop();
    await settled();
    expect(list.innerHTML).toBe(before);
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
    expect(released()).toEqual([handleOf(1)]);
  });

  it('a handle arriving after the region was taken down is released at once', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(1) }]);
    let reply: ((v: unknown) => void) | undefined;
    const { run, released, dm } = setup({
      handler: (req) => (req.type === 'armor/found' ? new Promise((r) => (reply = r)) : {}),
    });
    dm.start();
    await run();
    dm.stop();
    reply!({ handle: handleOf(7) });
    await settled();
    expect(released()).toEqual([handleOf(7)]);
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
  });

  it('re-applies regions when the site re-renders the conversation (channel switch)', async () => {
    const a = msgArmor(3);
    loadLounge([{ from: 'alice', html: a }]);
    const { run, found, released, dm } = setup();
    dm.start();
    await run();
    const list = document.querySelector('.messages')!;
    list.innerHTML = '';
    await run();
    expect(released()).toEqual([handleOf(1)]);
    list.innerHTML = `<div class="msg" data-type="message" data-from="alice"><span class="content">${a}</span></div>`;
    await run();
    expect(found()).toHaveLength(2);
    expect(frames()).toHaveLength(1);
  });

  it('a page-made element copying our attributes is not taken for ours', async () => {
    const [a, b] = [msgArmor(1), msgArmor(2)];
    loadLounge([{ from: 'alice', html: a }]);
    // The page puts a fake "frame" of ours into the message before we look, and marks another message as ours.
    const fake = document.createElement('div');
    fake.setAttribute('data-overcrypt', 'display');
    fake.innerHTML = '<iframe data-overcrypt="display-frame" src="chrome-extension://dyn/display-frame.html#stolen"></iframe>';
    rows()[0]!.append(fake);
    const { run, found, dm } = setup();
    dm.start();
    await run();
    expect(found()).toHaveLength(1);
    const ours = frames().filter((f) => f.getAttribute('src') !== 'chrome-extension://dyn/display-frame.html#stolen');
    expect(ours).toHaveLength(1);
    expect(isOwnFrame(ours[0]!)).toBe(true);
    expect(isOwnFrame(fake.querySelector('iframe')!)).toBe(false);
    expect(fake.style.display).toBe('none'); // a child of the row like any other: the region's frame replaces it

    // Mutations under an element carrying our attribute still count: a message added there is found.
    const marked = document.createElement('div');
    marked.setAttribute('data-overcrypt', 'display');
    document.querySelector('.messages')!.append(marked);
    await run();
    marked.innerHTML = `<div class="msg" data-type="message" data-from="bob"><span class="content">${b}</span></div>`;
    await run();
    expect(found().map((f) => f.items[0]!.parts[0])).toEqual([a, b]);
  });

  it('on a generic page a paragraph of bare text is hidden whole and the frame goes right before it', async () => {
    const [a, b] = [msgArmor(1), msgArmor(2)];
    document.body.innerHTML = `<main><p id="p1">${a}</p><p id="p2">${b}</p><p id="p3">plain words</p></main>`;
    const main = document.querySelector('main')!;
    const before = main.innerHTML;
    const { run, found, dm } = setup({ locator: genericLocator() });
    dm.start();
    await run();
    expect(found().map((f) => f.items.map((i) => i.parts[0]))).toEqual([[a, b]]);
    const wrapper = main.firstElementChild as HTMLElement;
    expect(wrapper.getAttribute('data-overcrypt')).toBe('display');
    expect(wrapper.nextElementSibling!.id).toBe('p1');
    expect(['p1', 'p2'].map((id) => document.getElementById(id)!.style.display)).toEqual(['none', 'none']);
    expect(document.getElementById('p3')!.style.display).toBe('');
    dm.stop();
    await settled();
    expect(main.innerHTML).toBe(before);
  });
});

/** `count` encrypted messages in runs of `run`, a plain message after each run (so each run is a region of its own). */
function runsOfEncrypted(count: number, run: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(msgArmor(i));
    if (i % run === run - 1) out.push('plain');
  }
  return out;
}

/**
 * happy-dom reports every iframe as failed to load the moment it is connected (it loads no pages here): frames made
 * while this is on report `load`/`error` only when the test says so.
 */
function holdFrameLoads() {
  const doc = document as unknown as { createElement: typeof document.createElement };
  const original = document.createElement.bind(document);
  const listeners = new WeakMap<Element, Map<string, Set<EventListener>>>();
  doc.createElement = ((tag: string, options?: ElementCreationOptions) => {
    const el = original(tag, options);
    if (tag === 'iframe') {
      const own = new Map<string, Set<EventListener>>([['load', new Set()], ['error', new Set()]]);
      listeners.set(el, own);
      const add = el.addEventListener.bind(el);
      const remove = el.removeEventListener.bind(el);
      el.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) =>
        own.has(type) ? own.get(type)!.add(fn) : add(type, fn, o)) as typeof el.addEventListener;
      el.removeEventListener = ((type: string, fn: EventListener, o?: EventListenerOptions) =>
        own.has(type) ? own.get(type)!.delete(fn) : remove(type, fn, o)) as typeof el.removeEventListener;
    }
    return el;
  }) as typeof document.createElement;
  const restore = () => delete (doc as Partial<typeof doc>).createElement;
  const fire = (f: Element, type = 'load') => {
    for (const fn of [...(listeners.get(f)?.get(type) ?? [])]) fn(new Event(type));
  };
  return { fire, restore };
}

describe('content script display regions: frames load a few at a time, nearest the viewport first', () => {
  let loads: ReturnType<typeof holdFrameLoads>;
  beforeEach(() => {
    loads = holdFrameLoads();
  });
  afterEach(() => loads.restore());

  it('reserves every region at once; frames first for the regions in view only, then 3 loading at a time, nearest first', async () => {
    // 8 regions of 3; the list is scrolled to its newest messages: the last rows are in view, the first far above.
    const texts = runsOfEncrypted(24, 3);
    loadLounge(texts.map((html) => ({ from: 'alice', html })));
    const n = texts.length;
    fakeRects((_, i) => ({ top: 700 - (n - i) * 100, width: 700 }));
    const { run, found, dm } = setup();
    dm.start();
    await run();
    for (let i = 0; i < 10; i++) await settled();
    // Only the regions in view asked the worker so far (flagged in view); the others wait for their first answer.
    expect(found()).toHaveLength(2);
    expect(found().map(anyInView)).toEqual([true, true]);
    // Every region's room is there at once (a wrapper of ours as tall as its items in each region's first row).
    const wrappers = [...document.querySelectorAll<HTMLElement>('div[data-overcrypt="display"]')];
    expect(wrappers).toHaveLength(8);
    for (const w of wrappers) expect(Number.parseInt(w.style.height, 10)).toBeGreaterThan(0);
    const regionOfFrame = (f: HTMLIFrameElement) => wrappers.indexOf(f.parentElement as HTMLElement);
    // First only the regions in the viewport (the last two: rows 25..31 are in the 768 px window).
    expect(frames().map(regionOfFrame).sort()).toEqual([6, 7]);
    // One of them loaded: the other in-view one still loads, nothing else starts yet.
    loads.fire(frames().find((f) => regionOfFrame(f) === 7)!);
    expect(frames().map(regionOfFrame).sort()).toEqual([6, 7]);
    // Both done (a failed load frees its slot too): the others get frames 3 at a time, nearest first.
    loads.fire(frames().find((f) => regionOfFrame(f) === 6)!, 'error');
    for (let i = 0; i < 10; i++) await settled();
    // Region 7's frame loaded but waits for its first answer; once the worker says it came, the others go.
    expect(frames().map(regionOfFrame).sort()).toEqual([6, 7]);
    dm.onShown(handleOf(1));
    dm.onShown(handleOf(2));
    for (let i = 0; i < 10; i++) await settled();
    expect(found()).toHaveLength(8); // now the others ask, one at a time, nearest first
    const firstRows = wrappers.map((w) => w.closest('.msg')!.id);
    const askedFor = found().map((c) => firstRows.findIndex((id) => document.getElementById(id)!.textContent!.includes(c.items[0]!.parts[0]!)));
    expect(askedFor.slice(0, 2).sort()).toEqual([6, 7]);
    expect(askedFor.slice(2)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(frames().map(regionOfFrame).sort()).toEqual([3, 4, 5, 6, 7]);
    loads.fire(frames().find((f) => regionOfFrame(f) === 5)!);
    expect(frames().map(regionOfFrame).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    // A load event again for the same frame (it navigated) does not free a second slot.
    loads.fire(frames().find((f) => regionOfFrame(f) === 7)!);
    expect(frames()).toHaveLength(6);
    for (const f of [...frames()]) loads.fire(f);
    for (const f of [...frames()]) loads.fire(f);
    for (const f of [...frames()]) loads.fire(f);
    expect(frames().map(regionOfFrame).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the first region takes the spare frame (its document loaded): the worker hands it the region, no load to wait for', async () => {
    const texts = runsOfEncrypted(12, 3);
    loadLounge(texts.map((html) => ({ from: 'alice', html })));
    fakeRects((_, i) => ({ top: i * 100, width: 700 })); // rows 0..7 in view: regions 0 and 1
    const spareFrame = document.createElement('iframe');
    spareFrame.setAttribute('src', 'chrome-extension://dyn/display-frame.html');
    let prepared = 0;
    let offered = 0;
    const spare = {
      prepare: () => prepared++,
      take: (parent: Element) => {
        if (offered++ > 0) return undefined; // one spare only
        parent.append(spareFrame);
        return { frame: spareFrame, loaded: true };
      },
    } as unknown as SpareFrame;
    let n = 0;
    const handedOver: string[] = [];
    const { run, dm } = setup({
      spare,
      handler: (req: ApiRequest) => {
        if (req.type === 'armor/found') return { handle: handleOf(++n) };
        if (req.type === 'display/toSpare') {
          handedOver.push(req.handle);
          return { taken: true };
        }
        return {};
      },
    });
    dm.start();
    await run();
    for (let i = 0; i < 5; i++) await settled();
    const wrappers = [...document.querySelectorAll<HTMLElement>('div[data-overcrypt="display"]')];
    // Region 0 got the spare, and the worker its handle for it (not the URL: the page sees that); region 1 loads a
    // frame of its own.
    expect(wrappers[0]!.querySelector('iframe')).toBe(spareFrame);
    expect(handedOver).toEqual([handleOf(1)]);
    expect(spareFrame.getAttribute('src')).toBe('chrome-extension://dyn/display-frame.html');
    expect(spareFrame.getAttribute('data-overcrypt')).toBe('display-frame');
    expect(spareFrame.style.height).toBe(wrappers[0]!.style.height);
    expect(frames()).toHaveLength(2);
    // Once both regions in view have their first answer (the spare's needed no load), the regions out of view get
    // frames, 3 at a time.
    loads.fire(wrappers[1]!.querySelector('iframe')!);
    dm.onShown(handleOf(1));
    expect(frames()).toHaveLength(2);
    dm.onShown(handleOf(2));
    for (let i = 0; i < 10; i++) await settled();
    expect(frames()).toHaveLength(4);
    // Nothing left waiting or loading: a new spare is prepared for the next region.
    expect(prepared).toBe(0);
    for (const f of frames().slice(2)) loads.fire(f);
    expect(prepared).toBe(1);
  });

  it('a spare the worker could not hand the region to loads the frame page with the handle like any frame', async () => {
    loadLounge([{ from: 'alice', html: msgArmor(1) }]);
    const spareFrame = document.createElement('iframe');
    spareFrame.setAttribute('src', 'chrome-extension://dyn/display-frame.html');
    const spare = { prepare: () => undefined, take: (parent: Element) => (parent.append(spareFrame), { frame: spareFrame, loaded: true }) } as unknown as SpareFrame;
    const { run, dm, api } = setup({ spare, handler: (req: ApiRequest) => (req.type === 'armor/found' ? { handle: handleOf(1) } : req.type === 'display/toSpare' ? { taken: false } : {}) });
    dm.start();
    await run();
    for (let i = 0; i < 5; i++) await settled();
    expect(api.calls.map((c) => c.type)).toEqual(['armor/found', 'display/toSpare']);
    expect(spareFrame.getAttribute('src')).toBe(`chrome-extension://dyn/display-frame.html#${handleOf(1)}`);
  });

  it('a region taken down while its frame loads frees the slot; one waiting for a slot never gets a frame', async () => {
    const texts = runsOfEncrypted(12, 3);
    loadLounge(texts.map((html) => ({ from: 'alice', html })));
    fakeRects((_, i) => ({ top: i * 100, width: 700 })); // the first rows are in view
    const { run, dm, released, found } = setup();
    dm.start();
    await run();
    for (let i = 0; i < 5; i++) await settled();
    const wrappers = [...document.querySelectorAll<HTMLElement>('div[data-overcrypt="display"]')];
    // Rows 0..7 are in the window: regions 0 and 1 ask the worker and get frames first.
    expect(wrappers.map((w) => !!w.querySelector('iframe'))).toEqual([true, true, false, false]);
    expect(found()).toHaveLength(2);
    // The site removes the rows of the first region (with its loading frame) and of the last (still waiting).
    const first = wrappers[0]!.closest('.msg')!;
    const last = wrappers[3]!.closest('.msg')!;
    first.remove();
    last.remove();
    dm.prune();
    expect(released()).toEqual([handleOf(1)]); // the last region had not even asked the worker yet
    // Region 1 (in view) still loads: nothing else starts. Once it loaded, region 2 gets its frame, the removed
    // region 3 never does.
    expect(frames()).toHaveLength(1);
    loads.fire(frames()[0]!);
    await settled();
    expect(frames()).toHaveLength(1); // loaded, but in view: waits for its first answer
    dm.onShown(handleOf(2));
    for (let i = 0; i < 5; i++) await settled();
    expect(found()).toHaveLength(3); // region 2 asks; the removed region 3 never does
    expect(frames()).toHaveLength(2);
    expect(wrappers[2]!.querySelector('iframe')).not.toBeNull();
    expect(last.querySelector('iframe')).toBeNull();
  });
});

describe('content script display regions: the message list keeps its place', () => {
  /** Gives the Lounge page's `.messages` list a box: 200 px of room, rows 20 px (hidden rows 0), our wrappers their height. */
  function scrollingList(): { list: HTMLElement; maxTop: () => number } {
    const list = document.querySelector<HTMLElement>('.messages')!;
    list.style.overflowY = 'auto';
    let top = 0;
    const height = () =>
      [...list.children].reduce((sum, row) => {
        const r = row as HTMLElement;
        if (r.style.display === 'none') return sum;
        const wrapper = r.querySelector<HTMLElement>('div[data-overcrypt="display"]');
        return sum + (wrapper ? Number.parseInt(wrapper.style.height, 10) : 20);
      }, 0);
    const maxTop = () => Math.max(0, height() - 200);
    Object.defineProperty(list, 'scrollHeight', { configurable: true, get: height });
    Object.defineProperty(list, 'clientHeight', { configurable: true, get: () => 200 });
    Object.defineProperty(list, 'scrollTop', {
      configurable: true,
      get: () => top,
      set: (v: number) => {
        top = Math.min(Math.max(0, v), maxTop());
      },
    });
    return { list, maxTop };
  }

  it('a list scrolled to its newest message is still at the bottom after the regions are placed', async () => {
    const texts = [...runsOfEncrypted(60, 20), ...Array.from({ length: 5 }, (_, i) => msgArmor(100 + i))];
    loadLounge(texts.map((html) => ({ from: 'alice', html })));
    const n = texts.length;
    fakeRects((_, i) => ({ top: 700 - (n - i) * 20, width: 700 }));
    const { list, maxTop } = scrollingList();
    list.scrollTop = 1e9;
    const before = list.scrollTop;
    expect(before).toBe(n * 20 - 200);
    const { run, dm } = setup();
    dm.start();
    await run();
    expect(frames().length).toBeGreaterThan(0);
    expect(maxTop()).not.toBe(before); // the list's height changed...
    expect(list.scrollTop).toBe(maxTop()); // ...and it still shows its end
  });

  it('a list scrolled elsewhere is not sent to the bottom', async () => {
    const texts = runsOfEncrypted(60, 20);
    loadLounge(texts.map((html) => ({ from: 'alice', html })));
    fakeRects((_, i) => ({ top: i * 20 - 100, width: 700 }));
    const { list, maxTop } = scrollingList();
    list.scrollTop = 100;
    const { run, dm } = setup();
    dm.start();
    await run();
    expect(frames().length).toBeGreaterThan(0);
    expect(maxTop()).toBeGreaterThan(100);
    expect(list.scrollTop).toBe(100);
  });
});
