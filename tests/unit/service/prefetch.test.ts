import { describe, expect, it, vi } from 'vitest';
import { MAILBOX_PREFETCH_MS, Prefetcher } from '../../../lib/service/prefetch';
import { ViewFirst } from '../../../lib/service/view-first';
import { bobsArmor, fetchItems, openRegion, registeredWorld, regionHandle } from './fakes';

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

  it('runs regions in view first; a fetch waits for its region and learns which messages it opened; never rejects', async () => {
    const viewFirst = new ViewFirst();
    const order: string[] = [];
    const p = new Prefetcher({ now: () => 0, fetchMailbox: async () => undefined, schedule: (bg, task) => viewFirst.run(bg, task) });
    const inView = deferred<Set<string>>();
    p.region('h-view', true, () => {
      order.push('view');
      return inView.promise;
    });
    p.region('h-far', false, async () => {
      order.push('far');
      throw new Error('locked');
    });
    p.region('h-view', true, async () => new Set(['again'])); // the same region once
    await Promise.resolve();
    expect(order).toEqual(['view']); // background work waits while the region in view is opened
    inView.resolve(new Set(['d1', 'd2']));
    expect([...(await p.regionSettled('h-view'))]).toEqual(['d1', 'd2']);
    expect([...(await p.regionSettled('h-far'))]).toEqual([]); // failed: the fetch does the work itself
    expect(order).toEqual(['view', 'far']);
    p.forget('h-view');
    expect([...(await p.regionSettled('h-view'))]).toEqual([]);
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

  it('on a site that is not enabled: nothing is decrypted before the click', async () => {
    const t = await registeredWorld();
    const handle = await regionHandle(t, [bobsArmor('n-1', 'one')], { host: 'other.example' });
    const region = await openRegion(t, handle);
    expect((await fetchItems(t, region.jobId, [0])).value.items).toEqual([{ ok: false, badge: { kind: 'clickToDecrypt' } }]);
    expect(await t.service.cache.count()).toBe(0);
  });
});
