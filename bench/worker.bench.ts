/**
 * The background service with the real engines, in Node, against the real directory (in-process, SQLite):
 * forward-secret chat through the API exactly as the frames call it (compose/open → claim → approve → submit;
 * armor/found → display/fetch), for a conversation of 2 devices and of 50 devices.
 *
 *   npx tsx bench/worker.bench.ts        (also part of `npm run bench`)
 *
 * - encrypt: compose/submit of a 100-character line once the sender key is distributed (median ms)
 * - compose: compose/open + claim (recipient lookup in the directory) + submit, i.e. what the user waits for
 * - first message: compose/submit that also claims bundles, starts sessions and posts the distribution to every device
 * - decrypt: display/fetch of a new message at one recipient (median ms); first = also fetches the mailbox
 * - armor overhead: characters of the armor beyond the base62 of the plaintext (single part), 2 and 50 devices
 * - worker.display_fetch_100: ONE display/fetch of a region of 100 new sender-key messages from one sender (what a
 *   display frame asks for a page of history), and the same 100 again from the message cache (a reload); `.total`
 *   also counts armor/found and display/open (the worker starts decrypting at armor/found)
 */
import 'fake-indexeddb/auto';
import { ensureCrypto } from '../lib/crypto/init';
import { startTestDirectory } from '../tests/server/support/harness';
import { as, HOST, ok, openChannel, register, send, sendMany, show, type User } from '../tests/unit/engine/support';
import { isMain, percentile, runStandalone, type Metrics } from './metric';

const LINE = 'x'.repeat(100);
const ROUNDS = 15;

/** Characters of base62 for n bytes (blocks of 8 bytes → 11 characters). */
const base62Chars = (n: number): number => Math.floor(n / 8) * 11 + [0, 2, 3, 5, 6, 7, 9, 10][n % 8]!;

async function conversation(url: Parameters<typeof register>[0], tag: string, people: number) {
  const names = Array.from({ length: people }, (_, i) => `${tag}${i}`);
  const users: User[] = [];
  for (let i = 0; i < names.length; i += 4) users.push(...(await Promise.all(names.slice(i, i + 4).map((n) => register(url, n)))));
  for (const u of users) await openChannel(u, `#${tag}`, names);
  return users;
}

async function timed<T>(op: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await op();
  return [performance.now() - t0, out];
}

async function measure(url: Parameters<typeof register>[0], tag: string, people: number, metrics: Metrics): Promise<void> {
  const [sender, reader] = await conversation(url, tag, people);
  const where = { conversationId: `#${tag}`, pageAuthor: sender!.name };
  const [firstMs, first] = await timed(() => send(sender!, `#${tag}`, LINE));
  const [firstReadMs] = await timed(() => show(reader!, first.parts, where));
  const enc: number[] = [];
  const dec: number[] = [];
  let overhead = 0;
  const flow: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [f, [e, out]] = await timed(() => submitTimed(sender!, `#${tag}`, LINE));
    flow.push(f);
    const [d, shown] = await timed(() => show(reader!, out.parts, where, 1 + (i % 3)));
    if (shown.plaintext !== LINE) throw new Error('round trip failed');
    enc.push(e);
    dec.push(d);
    overhead = out.parts[0]!.length - base62Chars(LINE.length);
  }
  const devices = people; // one device each
  metrics[`worker.fs.${devices}dev.encrypt`] = { value: percentile(enc, 50), unit: 'ms', target: null, better: 'lower' };
  metrics[`worker.fs.${devices}dev.compose`] = { value: percentile(flow, 50), unit: 'ms', target: null, better: 'lower' };
  metrics[`worker.fs.${devices}dev.decrypt`] = { value: percentile(dec, 50), unit: 'ms', target: null, better: 'lower' };
  metrics[`worker.fs.${devices}dev.firstMessage`] = { value: firstMs, unit: 'ms', target: null, better: 'lower' };
  metrics[`worker.fs.${devices}dev.firstDecrypt`] = { value: firstReadMs, unit: 'ms', target: null, better: 'lower' };
  metrics[`worker.fs.${devices}dev.armorOverhead`] = { value: overhead, unit: 'chars', target: 160, better: 'lower' };
}

/** compose/open + claim + submit (every device already approved); returns the submit time and the parts. */
async function submitTimed(u: User, conversationId: string, plaintext: string): Promise<[number, { parts: string[] }]> {
  const opened = await ok(u.call(as.cs(), { type: 'compose/open', host: HOST, conversationId }));
  await ok(u.call(as.compose(), { type: 'compose/claim', handle: opened.handle }));
  const [ms] = await timed(() => ok(u.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext })));
  const out = await ok(u.call(as.cs(), { type: 'compose/output', jobId: opened.jobId }));
  return [ms, { parts: out.outputs[0].parts as string[] }];
}

/** armor/found + display/open of a region; then the timed display/fetch of every item; also the three together. */
async function fetchRegion(u: User, messages: string[][], where: { conversationId: string; pageAuthor: string }, tab: number): Promise<[number, any[], number]> {
  const items = messages.map((parts) => ({ parts, pageAuthor: where.pageAuthor, heightPx: 40, inView: true }));
  const t0 = performance.now();
  const found = await ok(u.call(as.cs(tab), { type: 'armor/found', host: HOST, conversationId: where.conversationId, items }));
  const region = await ok(u.call(as.display(tab), { type: 'display/open', handle: found.handle }));
  const indices = messages.map((_, i) => i);
  const [ms, r] = await timed(() => ok(u.call(as.display(tab), { type: 'display/fetch', jobId: region.jobId, indices })));
  return [ms, r.items, performance.now() - t0];
}

export const REGION_ITEMS = 100;

/** A region of 100 new messages from one sender, fetched in one request; then again from the cache. */
async function measureRegion(url: Parameters<typeof register>[0], tag: string, metrics: Metrics): Promise<void> {
  const [sender, reader] = await conversation(url, tag, 2);
  const where = { conversationId: `#${tag}`, pageAuthor: sender!.name };
  await show(reader!, (await send(sender!, `#${tag}`, 'warm-up')).parts, where); // the key is distributed and received
  const texts = Array.from({ length: REGION_ITEMS }, (_, i) => `history line ${i} `.padEnd(100, 'x'));
  const messages = await sendMany(sender!, `#${tag}`, texts);
  const [fresh, items, freshTotal] = await fetchRegion(reader!, messages, where, 2);
  if (items.some((it, i) => !it.ok || it.plaintext !== texts[i] || it.fromCache)) throw new Error('region fetch failed');
  const [cached, again, cachedTotal] = await fetchRegion(reader!, messages, where, 3);
  if (again.some((it) => !it.ok || !it.fromCache)) throw new Error('cached region fetch failed');
  metrics['worker.display_fetch_100.ms'] = { value: fresh, unit: 'ms', target: null, better: 'lower' };
  metrics['worker.display_fetch_100.cached.ms'] = { value: cached, unit: 'ms', target: null, better: 'lower' };
  // The service starts decrypting at armor/found (prefetch): found + open + fetch is the region's whole cost.
  metrics['worker.display_fetch_100.total.ms'] = { value: freshTotal, unit: 'ms', target: null, better: 'lower' };
  metrics['worker.display_fetch_100.cached.total.ms'] = { value: cachedTotal, unit: 'ms', target: null, better: 'lower' };
}

/** Only the region metrics (quicker: `npx tsx -e "…runRegionOnly()"` while tuning). */
export async function runRegionOnly(): Promise<Metrics> {
  await ensureCrypto();
  const t = await startTestDirectory();
  const metrics: Metrics = {};
  try {
    await measureRegion(t, 'wr', metrics);
  } finally {
    await t.close();
  }
  return metrics;
}

export async function run(): Promise<Metrics> {
  await ensureCrypto();
  const t = await startTestDirectory();
  const metrics: Metrics = {};
  try {
    await measureRegion(t, 'wr', metrics);
    await measure(t, 'wa', 2, metrics);
    await measure(t, 'wb', 50, metrics);
  } finally {
    await t.close();
  }
  return metrics;
}

if (isMain(import.meta.url)) await runStandalone('worker (service + engines + directory)', run);
