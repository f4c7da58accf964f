/**
 * Overcrypt in The Lounge, measured in real Chromium with the built extension (`npm run bench`, or
 * `npx tsx bench/lounge.bench.ts` alone):
 *
 * - Enter → ciphertext in the site's box: alice presses Enter in the secure compose frame; the time until The
 *   Lounge's own `textarea#input` receives the armor (an `input` event the page sees), p50 / p95.
 * - A page with 1,000 encrypted history messages (armor alice really sent, served as a static page with The
 *   Lounge's markup, opened in bob's browser, which has never seen them): time from navigation start until every
 *   message in the viewport shows plaintext (one display frame per region of adjacent messages; each item is
 *   stamped `data-shown-at` by its frame), until all 1,000 do, the longest main-thread task of the host page after
 *   our first frame went in (PerformanceObserver "longtask"; the content script runs on that thread), and how many
 *   frames and items were placed and shown. Then the same page opened again (`reopened.*`): everything is in bob's
 *   message cache by then, which is what a reload or a later visit costs.
 *
 * OVERCRYPT_BENCH_HISTORY (default 1000) and OVERCRYPT_BENCH_SENDS (default 30) scale it down for quick runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Page } from '@playwright/test';
import { buildExtension } from '../tests/harness/build-extension';
import { connectIrc, type RawIrcClient } from '../tests/harness/irc-client';
import { startStack, type Stack } from '../tests/harness/stack';
import { launchExtensionBrowser, type ExtensionBrowser } from '../tests/fixture/extension-browser';
import { connectToLounge } from '../tests/fixture/thelounge';
import {
  DISPLAY_FRAME,
  approveRecipients,
  composeFrame,
  composeInput,
  enableEncryption,
  enableSite,
  registerAccount,
} from '../tests/fixture/lounge-crypto';
import { isMain, percentile, runStandalone, type Metrics } from './metric';

const HISTORY = Number(process.env.OVERCRYPT_BENCH_HISTORY ?? 1000);
const SENDS = Number(process.env.OVERCRYPT_BENCH_SENDS ?? 30);
const NETWORK = 'OvercryptTest';
/** Screenshots of the bench pages. */
const ARTIFACTS = process.env.OVERCRYPT_BENCH_ARTIFACTS ?? 'test-results/bench';

/** Epoch milliseconds with sub-millisecond precision (same clock in Node and in the page). */
const epoch = () => performance.timeOrigin + performance.now();

export async function run(): Promise<Metrics> {
  const stack = await startStack({ network: NETWORK });
  const browsers: ExtensionBrowser[] = [];
  const clients: RawIrcClient[] = [];
  let server: http.Server | undefined;
  try {
    if (!stack.directory) throw new Error('the lounge bench needs the directory server');
    const { dir } = await buildExtension();
    const alice = await launchExtensionBrowser({ extensionDir: dir, name: 'bench-alice' });
    browsers.push(alice);
    const bob = await launchExtensionBrowser({ extensionDir: dir, name: 'bench-bob' });
    browsers.push(bob);
    for (const [browser, nick] of [[alice, 'alice'], [bob, 'bob']] as const) {
      await registerAccount(browser, { directoryUrl: stack.directory.url, nick });
    }
    await enableSite(alice, stack.lounge.url);
    // bob is in the channel as a raw IRC client: his browser sees the messages only later, as history.
    const bobOnIrc = await connectIrc({ port: stack.ngircd.port, nick: 'bob' });
    clients.push(bobOnIrc);
    await bobOnIrc.join('#overcrypt');

    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await alice.context.newPage();
    await page.addInitScript(recordComposeBox);
    const a = await connectToLounge(page, stack.lounge.url, 'alice');
    await enableEncryption(a.page);
    await approveRecipients(a.page, 2);

    const onFailure = async (e: unknown) => {
      await a.page.screenshot({ path: `${ARTIFACTS}/lounge-alice-failed.png` }).catch(() => undefined);
      throw e;
    };
    const enterToBox = await measureEnterToBox(a.page, SENDS).catch(onFailure);
    await a.page.close();

    // The history is made on a page with The Lounge's markup whose "send" only collects the armor: The Lounge itself
    // would keep a frame per own message on alice's page (1,000 frames exhausted the browser here).
    const pages = { history: [] as string[] };
    server = await serveLoungeLikePages(pages);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await enableSite(alice, base);
    await enableSite(bob, base);
    const armors = await sendHistory(alice, `${base}/compose`, HISTORY);
    pages.history = armors;
    const history = await measureHistory(bob, `${base}/history`, armors.length, 'lounge-history');
    // The same page opened again: every message is in bob's message cache now (what a reload or a later visit costs;
    // the first view above also fetched and processed alice's key distribution from the mailbox).
    const reopened = await measureHistory(bob, `${base}/history`, armors.length, 'lounge-history-reopened');

    return {
      'lounge.enter_to_box.p50': { value: percentile(enterToBox, 50), unit: 'ms', target: null, better: 'lower' },
      'lounge.enter_to_box.p95': { value: percentile(enterToBox, 95), unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.visible_plaintext': { value: history.visibleMs, unit: 'ms', target: 300, better: 'lower' },
      'lounge.history1000.all_plaintext': { value: history.allMs, unit: 'ms', target: 1500, better: 'lower' },
      'lounge.history1000.visible_after_first_frame': { value: history.visibleAfterFirstFrameMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.longest_task_while_overcrypt_works': { value: history.longestTaskMs, unit: 'ms', target: 50, better: 'lower' },
      'lounge.history1000.longest_task_any': { value: history.longestAnyTaskMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.messages': { value: armors.length, unit: 'count', target: null, better: 'higher' },
      'lounge.history1000.frames_placed': { value: history.framesPlaced, unit: 'count', target: null, better: 'lower' },
      'lounge.history1000.items_placed': { value: history.itemsPlaced, unit: 'count', target: armors.length, better: 'higher' },
      'lounge.history1000.items_shown': { value: history.itemsShown, unit: 'count', target: armors.length, better: 'higher' },
      'lounge.history1000.items_failed': { value: history.itemsFailed, unit: 'count', target: 0, better: 'lower' },
      'lounge.history1000.visible_items': { value: history.visibleCount, unit: 'count', target: null, better: 'higher' },
      // Diagnostics: where the time goes, and what the user sees at the end.
      'lounge.history1000.host_dom_content_loaded': { value: history.hostDomContentLoadedMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_region_placed': { value: history.firstRegionPlacedMs, unit: 'ms', target: null, better: 'lower' },
      ...Object.fromEntries(Object.entries(history.worker).map(([k, v]) => [`lounge.history1000.worker.${k.replace(/[:/]/g, '_')}`, { value: v, unit: 'ms', target: null, better: 'lower' as const }])),
      ...Object.fromEntries(Object.entries(reopened.worker).map(([k, v]) => [`lounge.history1000.reopened.worker.${k.replace(/[:/]/g, '_')}`, { value: v, unit: 'ms', target: null, better: 'lower' as const }])),
      'lounge.history1000.first_frame_placed': { value: history.firstFrameMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_frame_document_parsed': { value: history.firstFrameParsedMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_plaintext': { value: history.firstPlaintextMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_frame.open_sent': { value: history.firstFrameSteps['oc:open-sent']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_frame.open_done': { value: history.firstFrameSteps['oc:open-done']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_frame.fetch_sent': { value: history.firstFrameSteps['oc:fetch-sent']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.first_frame.fetch_done': { value: history.firstFrameSteps['oc:fetch-done']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.reopened.first_frame.fetch_sent': { value: reopened.firstFrameSteps['oc:fetch-sent']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.reopened.first_frame.fetch_done': { value: reopened.firstFrameSteps['oc:fetch-done']!, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.newest_item_visible': { value: history.newestVisible, unit: 'count', target: 1, better: 'higher' },
      'lounge.history1000.visible_items_pattern_shown': { value: history.visiblePatternShown, unit: 'count', target: null, better: 'higher' },
      'lounge.history1000.reopened.visible_plaintext': { value: reopened.visibleMs, unit: 'ms', target: 300, better: 'lower' },
      'lounge.history1000.reopened.all_plaintext': { value: reopened.allMs, unit: 'ms', target: 1500, better: 'lower' },
      'lounge.history1000.reopened.first_frame_document_parsed': { value: reopened.firstFrameParsedMs, unit: 'ms', target: null, better: 'lower' },
      'lounge.history1000.reopened.longest_task_while_overcrypt_works': { value: reopened.longestTaskMs, unit: 'ms', target: 50, better: 'lower' },
      'lounge.history1000.reopened.items_shown': { value: reopened.itemsShown, unit: 'count', target: armors.length, better: 'higher' },
    };
  } finally {
    server?.close();
    for (const c of clients) await c.quit().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
  }
}

/** Main world of The Lounge page: when the site's box receives armor (the `input` event Vue listens to). */
function recordComposeBox(): void {
  const w = window as unknown as { __ocBoxArmorAt?: number[] };
  w.__ocBoxArmorAt = [];
  document.addEventListener(
    'input',
    (e) => {
      const t = e.target as HTMLTextAreaElement | null;
      if (t?.id === 'input' && t.value.startsWith('OC1')) w.__ocBoxArmorAt!.push(performance.timeOrigin + performance.now());
    },
    true,
  );
}

/** Enter in the compose frame -> armor in The Lounge's box, one message at a time. */
async function measureEnterToBox(page: Page, n: number): Promise<number[]> {
  const input = composeInput(page);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    await input.fill(`latency sample ${i}`);
    const before = await page.evaluate(() => (window as unknown as { __ocBoxArmorAt: number[] }).__ocBoxArmorAt.length);
    const t0 = epoch();
    await submit(page);
    const at = await page.waitForFunction(
      (count) => {
        const list = (window as unknown as { __ocBoxArmorAt: number[] }).__ocBoxArmorAt;
        return list.length > count ? list[count] : undefined;
      },
      before,
      { timeout: 30_000, polling: 'raf' },
    );
    samples.push(((await at.jsonValue()) as number) - t0);
    await page.waitForFunction(() => (document.querySelector('textarea#input') as HTMLTextAreaElement).value === '', undefined, { timeout: 30_000 });
  }
  return samples;
}

/**
 * Enter in the compose frame, until the frame took the message. The Lounge focuses its own box after each send
 * (our delivery); when the next message is already typed, the frame takes that for focus theft and blocks until
 * "Continue" — the user's click, done here (see the report: a false alarm for fast typists).
 */
async function submit(page: Page): Promise<void> {
  const input = composeInput(page);
  const frame = composeFrame(page);
  const warning = frame.locator('[data-warning="focusStolen"]');
  await expect(async () => {
    if (await warning.isVisible()) await frame.getByRole('button', { name: 'Continue' }).click({ timeout: 2_000 });
    if ((await input.inputValue()) !== '') await input.press('Enter', { timeout: 2_000 });
    await expect(input).toHaveValue('', { timeout: 2_000 });
  }).toPass({ timeout: 60_000, intervals: [0] });
}

/** alice sends `n` short encrypted messages through the compose frame on the collecting page; returns their armor. */
async function sendHistory(alice: ExtensionBrowser, url: string, n: number): Promise<string[]> {
  const page = await alice.context.newPage();
  await page.goto(url);
  await enableEncryption(page, '#overcrypt');
  await approveRecipients(page, 2);
  const input = composeInput(page);
  for (let i = 0; i < n; i++) {
    await input.fill(`history message ${i}: the quick brown fox jumps over the lazy dog`);
    await submit(page); // submitted; delivery to the page goes on meanwhile
  }
  await page.waitForFunction((count) => (window as unknown as { __ocSent: string[] }).__ocSent.length >= count, n, { timeout: 300_000, polling: 500 });
  const sent = await page.evaluate(() => (window as unknown as { __ocSent: string[] }).__ocSent);
  await page.close();
  return sent.slice(0, n);
}

/**
 * Pages with The Lounge's markup (what lib/sites reads), network OvercryptTest, channel #overcrypt with alice and
 * bob. /compose: no messages; Enter in its box (the content script's send) collects the armor and empties the box.
 * /history: the messages in `pages.history` from alice, scrolled to the end. Laid out as The Lounge is (a column:
 * the message list takes what the compose bar leaves), so the compose bar can grow for our compose frame.
 */
async function serveLoungeLikePages(pages: { history: string[] }): Promise<http.Server> {
  const page = (rows: string, script: string) => `<!doctype html><html><head><meta charset="utf-8"><meta name="application-name" content="The Lounge">
<title>#overcrypt — The Lounge</title>
<style>body{margin:0;font:14px sans-serif;height:100vh;display:flex;flex-direction:column}aside{flex:none;height:20px;overflow:hidden}
#chat,.chat-view{flex:1;min-height:0;display:flex;flex-direction:column}.userlist{flex:none}#chat .messages{flex:1;min-height:0;overflow:auto}
.msg{display:flex;gap:8px;padding:2px 8px}.content{flex:1;word-break:break-all}#form{flex:none;min-height:60px;display:flex}#input{flex:1}</style></head>
<body><aside><div class="network"><div class="channel-list-item" data-type="lobby" data-name="${NETWORK}">${NETWORK}</div>
<div class="channel-list-item active" data-type="channel" data-name="#overcrypt">#overcrypt</div></div></aside>
<div id="chat"><div class="chat-view" data-type="channel" aria-label="#overcrypt">
<div class="userlist" style="height:20px;overflow:hidden"><span class="user" data-name="alice">alice</span> <span class="user" data-name="bob">bob</span></div>
<div class="messages">${rows}</div></div></div>
<form id="form" onsubmit="return false"><span id="nick">${rows ? 'bob' : 'alice'}</span><textarea id="input"></textarea><button id="submit" type="button">send</button></form>
<script>${script}</script></body></html>`;
  const collect = `window.__ocSent=[];const box=document.getElementById('input');
for(const t of ['keydown','keypress'])box.addEventListener(t,(e)=>{if(e.key==='Enter'&&box.value){window.__ocSent.push(box.value);box.value='';e.preventDefault();}});`;
  const server = http.createServer((req, res) => {
    const rows = pages.history
      .map(
        (armor, i) =>
          `<div id="msg-${i}" class="msg" data-type="message" data-from="alice"><span class="time" aria-label="${i}">09:00</span>` +
          `<span class="from"><span class="user">alice</span></span><span class="content">${armor}</span></div>`,
      )
      .join('\n');
    const html = req.url === '/history' ? page(rows, `const m=document.querySelector('#chat .messages');m.scrollTop=m.scrollHeight;`) : page('', collect);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Main world of the history page: long tasks and when our first frame went in. */
function recordHostPage(): void {
  const w = window as unknown as { __ocTasks: { start: number; duration: number }[]; __ocFirstFrameAt?: number; __ocFirstRegionAt?: number };
  w.__ocTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__ocTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const seen = new MutationObserver(() => {
    if (w.__ocFirstRegionAt === undefined && document.querySelector('[data-overcrypt="display"]')) w.__ocFirstRegionAt = performance.now();
    if (w.__ocFirstFrameAt !== undefined || !document.querySelector('iframe[data-overcrypt="display-frame"]')) return;
    w.__ocFirstFrameAt = performance.now();
    seen.disconnect(); // the bench's own observer stops working on the host page once it has its answer
  });
  seen.observe(document, { subtree: true, childList: true });
}

/** One item of a display region as its frame reports it (DOM contract in docs: `article.oc-msg`). */
interface ItemReport {
  state: string;
  /** `data-shown-at`: epoch ms when the item reached shown/failed (set by the frame). */
  shownAt: number | null;
  /** `data-pattern` of the item's security pattern chip: shown / hidden / none. */
  pattern: string | null;
  /** The item's box in the frame's viewport. */
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Inside a display frame: its items (self-contained: runs in the frame's document). */
function frameItems(): ItemReport[] {
  return Array.from(document.querySelectorAll('article.oc-msg')).map((el) => {
    const r = el.getBoundingClientRect();
    const at = el.getAttribute('data-shown-at');
    const pattern = el.querySelector('.oc-pattern')?.getAttribute('data-pattern') ?? null;
    return { state: el.getAttribute('data-state') ?? '', shownAt: at === null ? null : Number(at), pattern, top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  });
}

/** Inside a display frame: when its document started loading and when it was parsed (epoch ms). */
function frameDocumentTimes(): { start: number; parsed: number; marks: Record<string, number> } {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  // The frame's own marks (components/frames): its claim and its first fetch, sent and answered (epoch ms).
  const marks: Record<string, number> = {};
  for (const m of performance.getEntriesByType('mark')) if (!(m.name in marks)) marks[m.name] = performance.timeOrigin + m.startTime;
  return { start: performance.timeOrigin, parsed: performance.timeOrigin + (nav?.domContentLoadedEventEnd ?? NaN), marks };
}

/** Items of every display frame of the page (read in the frames' own processes; the host page does no work). */
async function allItems(page: Page): Promise<ItemReport[][]> {
  const frames = page.frames().filter((f) => f !== page.mainFrame() && f.url().includes('/display-frame.html'));
  return Promise.all(frames.map((f) => f.evaluate(frameItems).catch(() => [] as ItemReport[])));
}

/**
 * Where a display frame's content sits in the top-level viewport, and the part of the viewport in which it can be
 * seen (the viewport cut by every scrolling ancestor: The Lounge scrolls `.messages`, not the window).
 */
function placement(el: Element): { x: number; y: number; clip: { top: number; bottom: number; left: number; right: number } } {
  const frame = el as HTMLIFrameElement;
  const r = frame.getBoundingClientRect();
  const cs = getComputedStyle(frame);
  const x = r.left + frame.clientLeft + parseFloat(cs.paddingLeft);
  const y = r.top + frame.clientTop + parseFloat(cs.paddingTop);
  const clip = { top: 0, left: 0, bottom: window.innerHeight, right: window.innerWidth };
  for (let a = frame.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a);
    if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
    const b = a.getBoundingClientRect();
    clip.top = Math.max(clip.top, b.top);
    clip.left = Math.max(clip.left, b.left);
    clip.bottom = Math.min(clip.bottom, b.bottom);
    clip.right = Math.min(clip.right, b.right);
  }
  // Nothing of the frame outside its own box is drawn.
  clip.top = Math.max(clip.top, r.top);
  clip.bottom = Math.min(clip.bottom, r.bottom);
  return { x, y, clip };
}

/**
 * Opens the history page in bob's browser and follows the display regions: every frame marks each item with
 * `data-shown-at` (epoch ms, the frame's clock) when it reached shown or failed; the bench reads those from the
 * frames (not from the host page) until every message has one or the limit passes. Visible: the item's box,
 * moved by its frame's place in the page, intersects the part of the top-level viewport where the messages show.
 */
async function measureHistory(bob: ExtensionBrowser, url: string, total: number, shot: string) {
  const page = await bob.context.newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.addInitScript(recordHostPage);
  await page.goto(url);
  const navStart = await page.evaluate(() => performance.timeOrigin);
  // Every message should end up shown; if not all do within the limit, all_plaintext reports the limit and
  // items_shown / frames_placed say how far it got.
  const limitMs = 90_000;
  const terminal = (i: ItemReport) => i.shownAt !== null && (i.state === 'shown' || i.state === 'failed');
  await expect
    .poll(async () => (await allItems(page)).flat().filter(terminal).length, { timeout: Math.max(1, navStart + limitMs - epoch()), intervals: [250] })
    .toBeGreaterThanOrEqual(total)
    .catch(() => undefined);

  // Final reading: each frame's items with the frame's place in the page.
  const handles = await page.locator(DISPLAY_FRAME).elementHandles();
  const items: (ItemReport & { visible: boolean })[] = [];
  const frameDocs: { start: number; parsed: number; marks: Record<string, number> }[] = [];
  for (const handle of handles) {
    const at = await handle.evaluate(placement);
    const inside = await handle.contentFrame();
    const found = inside ? await inside.evaluate(frameItems).catch(() => [] as ItemReport[]) : [];
    // When the frame's document started loading and was parsed (epoch ms): frame load vs. worker time.
    const doc = inside ? await inside.evaluate(frameDocumentTimes).catch(() => null) : null;
    if (doc) frameDocs.push(doc);
    for (const i of found) {
      const top = at.y + i.top;
      const bottom = at.y + i.bottom;
      const left = at.x + i.left;
      const right = at.x + i.right;
      const visible = bottom > at.clip.top && top < at.clip.bottom && right > at.clip.left && left < at.clip.right && bottom > top;
      items.push({ ...i, visible });
    }
    await handle.dispose();
  }
  const host = await page.evaluate(() => {
    const w = window as unknown as { __ocTasks: { start: number; duration: number }[]; __ocFirstFrameAt?: number; __ocFirstRegionAt?: number };
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const iframes = [...document.querySelectorAll('iframe')].map((f) => `${f.getAttribute('data-overcrypt')} in ${f.parentElement?.getAttribute('data-overcrypt')} ${f.src}`);
    return { tasks: w.__ocTasks, firstFrameAt: w.__ocFirstFrameAt ?? 0, firstRegionAt: w.__ocFirstRegionAt ?? NaN, domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN, iframes };
  });
  // The worker's own record of each request (test builds: entrypoints/background.ts `trace`), from this navigation on.
  const workerTrace = await bob
    .serviceWorker()
    .then((w) => w.evaluate(() => (globalThis as unknown as { __ocTrace?: Array<[string, number]> }).__ocTrace ?? []))
    .catch(() => [] as Array<[string, number]>);
  const firstInWorker = (name: string) => (workerTrace.find(([n, at]) => n === name && at >= navStart)?.[1] ?? NaN) - navStart;
  await page.screenshot({ path: `${ARTIFACTS}/${shot}.png` }).catch(() => undefined);
  // What the start of the history looks like too (after the measurement: scrolling changes nothing measured).
  await page.evaluate(() => document.querySelector('#chat .messages')?.scrollTo(0, 0));
  await page.screenshot({ path: `${ARTIFACTS}/${shot}-top.png` }).catch(() => undefined);
  await page.close();

  if (process.env.OVERCRYPT_BENCH_DUMP) {
    // Raw timelines for digging (ms from navigation): every frame's document and marks, every worker request.
    const rel = (t: number) => Math.round(t - navStart);
    const dump = {
      host: { ...host, tasks: undefined },
      frames: frameDocs.map((d) => ({ start: rel(d.start), parsed: rel(d.parsed), marks: Object.fromEntries(Object.entries(d.marks).map(([k, v]) => [k, rel(v)])) })),
      worker: workerTrace.filter(([, at]) => at >= navStart).map(([n, at]) => [n, rel(at)]),
    };
    writeFileSync(`${process.env.OVERCRYPT_BENCH_DUMP}-${shot}.json`, JSON.stringify(dump, null, 1));
  }
  const done = items.filter(terminal);
  const plaintext = items.filter((i) => terminal(i) && i.state === 'shown');
  const visibleItems = items.filter((i) => i.visible);
  const visibleTimes = visibleItems.filter(terminal).map((i) => i.shownAt!);
  if (visibleItems.length === 0) throw new Error(`no display item in the viewport (${handles.length} frames, ${items.length} items)`);
  // A visible item that never showed counts as the limit.
  const visibleDone = visibleTimes.length === visibleItems.length ? Math.max(...visibleTimes) : navStart + limitMs;
  const allShown = plaintext.length === total;
  const newest = items[items.length - 1];
  return {
    firstPlaintextMs: plaintext.length ? Math.min(...plaintext.map((i) => i.shownAt!)) - navStart : NaN,
    firstFrameMs: host.firstFrameAt,
    firstFrameParsedMs: frameDocs.length ? Math.min(...frameDocs.map((d) => d.parsed)) - navStart : NaN,
    // The frame parsed first: when it sent its claim, got the region, sent its first fetch, got the items.
    firstFrameSteps: ((d) => Object.fromEntries(['oc:open-sent', 'oc:open-done', 'oc:fetch-sent', 'oc:fetch-done'].map((k) => [k, (d?.marks[k] ?? NaN) - navStart])))(
      [...frameDocs].sort((x, y) => x.parsed - y.parsed)[0],
    ),
    hostDomContentLoadedMs: host.domContentLoaded,
    firstRegionPlacedMs: host.firstRegionAt,
    worker: Object.fromEntries(
      ['in:page/status', 'out:page/status', 'in:page/context', 'in:armor/found', 'out:armor/found', 'in:display/open', 'in:display/fetch', 'out:display/fetch'].map((k) => [k, firstInWorker(k)]),
    ),
    newestVisible: newest?.visible ? 1 : 0,
    visiblePatternShown: visibleItems.filter((i) => i.pattern === 'shown').length,
    visibleMs: visibleDone - navStart,
    visibleAfterFirstFrameMs: visibleDone - (navStart + host.firstFrameAt),
    allMs: allShown ? Math.max(...plaintext.map((i) => i.shownAt!)) - navStart : Math.max(limitMs, ...done.map((i) => i.shownAt! - navStart)),
    itemsShown: plaintext.length,
    itemsFailed: done.length - plaintext.length,
    itemsPlaced: items.length,
    framesPlaced: handles.length,
    longestTaskMs: Math.max(0, ...host.tasks.filter((t) => t.start + t.duration >= host.firstFrameAt).map((t) => t.duration)),
    longestAnyTaskMs: Math.max(0, ...host.tasks.map((t) => t.duration)),
    visibleCount: visibleItems.length,
  };
}

if (isMain(import.meta.url)) await runStandalone('lounge', run);
