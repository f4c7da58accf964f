import { describe, expect, it, vi } from 'vitest';
import { MAILBOX_PREFETCH_MS, PREFETCH_CHUNK, Prefetcher, prefetchParts } from '../../../lib/service/prefetch';
import { ViewFirst } from '../../../lib/service/view-first';
import { API_TAG } from '../../../lib/api';
import { bobsArmor, fetchItems, openRegion, registeredWorld, regionHandle, senders } from './fakes';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

describe('Prefetcher', () => {
  it('fetches the mailbox once at a time and at most once per MAILBOX_PREFETCH_MS; a failure is not an error', async () => {
    let now = 0;
    const runs: Array<ReturnType<typeof deferred<unknown>>> = [];
    const p = new Prefetcher({
      now: () => now,
      fetchMailbox: () => {
        const d = deferred<unknown>();
        runs.push(d);
        return d.promise;
      },
      schedule: (_bg, task) => task(),
    });
    p.mailboxSoon();
    p.mailboxSoon();
    expect(runs).toHaveLength(1);
    let settled = false;
    void p.mailboxSettled().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // new messages wait for the keys it brings
    runs[0]!.reject(new Error('offline'));
    await p.mailboxSettled();
    await vi.waitFor(() => expect(settled).toBe(true));
    now += MAILBOX_PREFETCH_MS - 1;
    p.mailboxSoon();
    expect(runs).toHaveLength(1); // a reload right after does not fetch again
    now += 1;
    p.mailboxSoon();
    expect(runs).toHaveLength(2);
  });

  it('opens the items on screen first as one part, then the rest in parts nearest them first', () => {
    expect(prefetchParts(6, new Set([3, 4]))).toEqual([
      { indices: [3, 4], inView: true },
      { indices: [0, 1, 2, 5], inView: false },
    ]);
    const parts = prefetchParts(2 * PREFETCH_CHUNK + 10, new Set([2 * PREFETCH_CHUNK + 9]));
    expect(parts[0]).toEqual({ indices: [2 * PREFETCH_CHUNK + 9], inView: true });
    expect(parts[1]!.indices).toEqual(Array.from({ length: PREFETCH_CHUNK }, (_, i) => PREFETCH_CHUNK + 9 + i)); // the nearest
    expect(parts.flatMap((p) => p.indices).sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * PREFETCH_CHUNK + 10 }, (_, i) => i));
    expect(prefetchParts(3, new Set())).toEqual([{ indices: [0, 1, 2], inView: false }]); // nothing on screen: background
  });

  it('runs what is on screen first; a fetch waits only for the parts it asks for and learns which messages they opened', async () => {
    const viewFirst = new ViewFirst();
    const order: string[] = [];
    const p = new Prefetcher({ now: () => 0, fetchMailbox: async () => undefined, schedule: (bg, task) => viewFirst.run(bg, task) });
    const onScreen = deferred<Set<string>>();
    const rest = deferred<Set<string>>();
    p.region('h', 4, new Set([3]), (indices) => {
      order.push(indices.join(','));
      return indices.includes(3) ? onScreen.promise : rest.promise;
    });
    p.region('h-far', 1, new Set(), async () => {
      order.push('far');
      throw new Error('locked');
    });
    p.region('h', 4, new Set([3]), async () => new Set(['again'])); // the same region once
    await Promise.resolve();
    expect(order).toEqual(['3']); // background work waits while what is on screen is opened
    onScreen.resolve(new Set(['d3']));
    const first = await p.regionSettled('h', [3]); // does not wait for the rest
    expect(first.delete('d3')).toBe(true);
    expect(first.delete('d3')).toBe(false); // shown once as new
    rest.resolve(new Set(['d0', 'd1']));
    const later = await p.regionSettled('h', [0, 1, 2]);
    expect(later.delete('d1')).toBe(true);
    expect((await p.regionSettled('h-far', [0])).delete('x')).toBe(false); // failed: the fetch does the work itself
    expect(order).toEqual(['3', '0,1,2', 'far']);
    p.forget('h');
    expect((await p.regionSettled('h', [0])).delete('d0')).toBe(false);
  });
});

describe('Prefetcher and the frame of what is on screen', () => {
  it('after opening what is on screen, background parts wait until its frame fetched it', async () => {
    const viewFirst = new ViewFirst();
    const order: string[] = [];
    const p = new Prefetcher({
      now: () => 0,
      fetchMailbox: async () => undefined,
      schedule: (bg, task) => viewFirst.run(bg, task),
      holdView: () => viewFirst.hold(10_000),
    });
    p.region('h', 3, new Set([2]), async (indices) => {
      order.push(indices.join(','));
      return new Set<string>();
    });
    await p.regionSettled('h', [2]);
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['2']); // the rest waits for the frame's fetch
    p.shown('h');
    await p.regionSettled('h', [0, 1]);
    expect(order).toEqual(['2', '0,1']);
  });
});

describe('the worker opens a region ahead of its frame', () => {
  it('on an enabled site: decrypted at armor/found, shown by the fetch as new (not from the cache), once', async () => {
    const t = await registeredWorld();
    const handle = await regionHandle(t, [bobsArmor('p-1', 'one'), bobsArmor('p-2', 'two')], { conversationId: '#chan' });
    // Before any frame claimed the region, its messages are in the message cache.
    await vi.waitFor(async () => expect(await t.service.cache.count()).toBe(2));
    const region = await openRegion(t, handle);
    const first = await fetchItems(t, region.jobId, [0, 1]);
    expect(first.value.items).toEqual([
      expect.objectContaining({ ok: true, plaintext: 'one', fromCache: false }),
      expect.objectContaining({ ok: true, plaintext: 'two', fromCache: false }),
    ]);
    const again = await fetchItems(t, region.jobId, [1]);
    expect(again.value.items).toEqual([expect.objectContaining({ ok: true, plaintext: 'two', fromCache: true })]);
  });

  it('the first in-view answer of a region tells its content script once (display/shown); background fetches do not', async () => {
    const t = await registeredWorld();
    const handle = await regionHandle(t, [bobsArmor('s-1', 'one'), bobsArmor('s-2', 'two')], { conversationId: '#chan' });
    const region = await openRegion(t, handle);
    const shown = () => t.notifier.toFrames.filter((p) => p.push.push === 'display/shown');
    await t.call(senders.display(), { type: 'display/fetch', jobId: region.jobId, indices: [0], background: true });
    expect(shown()).toHaveLength(0);
    await fetchItems(t, region.jobId, [1]);
    await fetchItems(t, region.jobId, [0]);
    expect(shown().map((p) => ({ tabId: p.tabId, push: p.push }))).toEqual([{ tabId: 1, push: { tag: API_TAG, push: 'display/shown', handle } }]);
  });

  it('on a site that is not enabled: nothing is decrypted before the click', async () => {
    const t = await registeredWorld();
    const handle = await regionHandle(t, [bobsArmor('n-1', 'one')], { host: 'other.example' });
    const region = await openRegion(t, handle);
    expect((await fetchItems(t, region.jobId, [0])).value.items).toEqual([{ ok: false, badge: { kind: 'clickToDecrypt' } }]);
    expect(await t.service.cache.count()).toBe(0);
    // Its first answer (a click needed) still lets the content script load the frames after it.
    expect(t.notifier.toFrames.filter((p) => p.push.push === 'display/shown')).toHaveLength(1);
  });
});
