import { describe, expect, it } from 'vitest';
import { InMemoryEphemeralStore, JobRegistry, MAX_OPEN_DISPLAY_ITEMS, type Caller, type EphemeralStore } from '../../../lib/service';
import { FakeClock } from '../vault/fixtures';

const frame = (tabId: number, frameId = 6, documentId?: string): Caller => ({ kind: 'displayFrame', tabId, frameId, documentId, origin: 'chrome-extension://x' });
const cs = (tabId: number): Caller => ({ kind: 'contentScript', tabId, frameId: 0, origin: 'https://a.example' });
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ parts: [`OC1part${i}`], heightPx: 40 }));
const region = (n = 1, tabId = 1) => ({ opener: { tabId, frameId: 0 }, host: 'a.example', items: items(n) });

/** Counts every key listing: a per-call listing of the whole store is what made armor/found O(n²). */
class CountingStore extends InMemoryEphemeralStore implements EphemeralStore {
  listings = 0;
  override async keys(prefix: string) {
    this.listings++;
    return super.keys(prefix);
  }
}

describe('job registry', () => {
  it('bounds the items of unclaimed regions (2,000 by default); claims, releases and expiry make room', async () => {
    expect(MAX_OPEN_DISPLAY_ITEMS).toBe(2_000);
    const clock = new FakeClock();
    const jobs = new JobRegistry(new InMemoryEphemeralStore(), clock, undefined, 250);
    const handles = [await jobs.openDisplay(region(100)), await jobs.openDisplay(region(100))];
    await jobs.openDisplay(region(50));
    await expect(jobs.openDisplay(region(1))).rejects.toMatchObject({ code: 'RateLimited' });
    await jobs.claimDisplay(handles[0]!, frame(1)); // claimed: no longer waiting
    await jobs.openDisplay(region(100));
    await expect(jobs.openDisplay(region(1))).rejects.toMatchObject({ code: 'RateLimited' });
    await jobs.release(handles[1]!, cs(1));
    await jobs.openDisplay(region(100));
    await expect(jobs.openDisplay(region(1))).rejects.toMatchObject({ code: 'RateLimited' });
    clock.advance(5 * 60_000 + 1); // unclaimed ones expire; the sweep at the bound finds that
    await expect(jobs.openDisplay(region(100))).resolves.toEqual(expect.any(String));
  });

  it('2,000 open items: one more is RateLimited; opening never lists the store per call', async () => {
    const store = new CountingStore();
    const jobs = new JobRegistry(store, new FakeClock());
    for (let i = 0; i < 19; i++) await jobs.openDisplay(region(100));
    const h = await jobs.openDisplay(region(100));
    // No listing per open: the counts are kept, not recomputed (one recount of the tab's regions per worker start).
    expect(store.listings).toBe(1);
    await expect(jobs.openDisplay(region(1))).rejects.toMatchObject({ code: 'RateLimited' });
    expect(store.listings).toBeLessThanOrEqual(3); // and one sweep at the bound
    // A restarted worker reads the mirrored count: still full, and still no listing per open.
    const restarted = new JobRegistry(store, new FakeClock());
    const before = store.listings;
    await restarted.claimDisplay(h, frame(1));
    await restarted.openDisplay(region(100));
    expect(store.listings).toBeLessThanOrEqual(before + 1); // the tab's recount, once
    await expect(restarted.openDisplay(region(1))).rejects.toMatchObject({ code: 'RateLimited' });
  });

  it('handles and job ids are unguessable and distinct; a handle claims once', async () => {
    const jobs = new JobRegistry(new InMemoryEphemeralStore(), new FakeClock());
    const handles = await Promise.all(Array.from({ length: 50 }, () => jobs.openDisplay(region())));
    expect(new Set(handles).size).toBe(50);
    expect(handles.every((h) => /^[A-Za-z0-9_-]{22}$/.test(h))).toBe(true);
    const job = await jobs.claimDisplay(handles[0]!, frame(1));
    expect(job.jobId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(job.jobId).not.toBe(handles[0]);
    await expect(jobs.claimDisplay(handles[0]!, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
    // Two claims racing for one handle: exactly one wins.
    const raced = await Promise.allSettled([jobs.claimDisplay(handles[1]!, frame(1, 6)), jobs.claimDisplay(handles[1]!, frame(1, 7))]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('a claimed job answers only its frame (tab + frame + document); unclaimed or unknown jobs are NotFound', async () => {
    const store = new InMemoryEphemeralStore();
    const jobs = new JobRegistry(store, new FakeClock());
    const h = await jobs.openDisplay(region(3));
    await expect(jobs.claimDisplay(h, frame(2))).rejects.toMatchObject({ code: 'Forbidden' });
    const job = await jobs.claimDisplay(h, frame(1, 6, 'doc'));
    await expect(jobs.displayForFrame(job.jobId, frame(1, 6, 'doc'))).resolves.toMatchObject({ jobId: job.jobId, items: items(3) });
    await expect(jobs.displayForFrame(job.jobId, frame(1, 6, 'other doc'))).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(jobs.displayForFrame(job.jobId, frame(1, 7, 'doc'))).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(jobs.displayForFrame(job.jobId, frame(2, 6, 'doc'))).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(jobs.displayForFrame('nope', frame(1, 6, 'doc'))).rejects.toMatchObject({ code: 'NotFound' });
    await jobs.openDisplay(region());
    const unclaimed = (await store.keys('job:d:')).map((k) => k.slice(6)).find((id) => id !== job.jobId)!;
    await expect(jobs.displayForFrame(unclaimed, frame(1, 6, 'doc'))).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('release by handle (also after the claim) or by job id, only from the opener tab; closing a tab forgets its state', async () => {
    const store = new InMemoryEphemeralStore();
    const jobs = new JobRegistry(store, new FakeClock());
    const h = await jobs.openDisplay(region());
    await jobs.release(h, cs(2));
    const job = await jobs.claimDisplay(h, frame(1));
    await jobs.release(h, cs(2));
    await jobs.release(job.jobId, cs(2));
    await expect(jobs.displayForFrame(job.jobId, frame(1))).resolves.toBeDefined();
    await jobs.release(h, cs(1));
    await expect(jobs.displayForFrame(job.jobId, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
    const byId = await jobs.claimDisplay(await jobs.openDisplay(region()), frame(1));
    await jobs.release(byId.jobId, cs(1));
    await expect(jobs.displayForFrame(byId.jobId, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
    expect(await store.keys('job:')).toEqual([]);
    expect(await store.keys('dtab:')).toEqual([]);

    await store.set('ctx:7:0', {});
    await store.set('ctx:7:3', {});
    await store.set('ctx:8:0', {});
    await store.set('seen:7', {});
    const t7 = await jobs.claimDisplay(await jobs.openDisplay(region(2, 7)), frame(7));
    const t8 = await jobs.claimDisplay(await jobs.openDisplay(region(2, 8)), frame(8));
    await jobs.openDisplay(region(2, 7));
    await jobs.forgetTab(7);
    expect(await store.keys('ctx:')).toEqual(['ctx:8:0']);
    expect(await store.keys('seen:')).toEqual([]);
    await expect(jobs.displayForFrame(t7.jobId, frame(7))).rejects.toMatchObject({ code: 'NotFound' });
    await expect(jobs.displayForFrame(t8.jobId, frame(8))).resolves.toBeDefined();
    expect((await store.keys('job:')).length).toBe(2); // tab 8's job and its handle reference
  });

  it('claimed jobs live HELD_DISPLAY_TTL_MS after their last use; a fetch keeps them alive', async () => {
    const clock = new FakeClock();
    const jobs = new JobRegistry(new InMemoryEphemeralStore(), clock);
    const job = await jobs.claimDisplay(await jobs.openDisplay(region()), frame(1));
    clock.advance(11 * 3600_000);
    await jobs.touchDisplay(await jobs.displayForFrame(job.jobId, frame(1)));
    clock.advance(11 * 3600_000);
    await expect(jobs.displayForFrame(job.jobId, frame(1))).resolves.toBeDefined();
    clock.advance(13 * 3600_000);
    await expect(jobs.displayForFrame(job.jobId, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('per-tab bound on display items (claimed regions count too)', () => {
  it('refuses a tab beyond its items, frees them on release and tab close, and leaves other tabs alone', async () => {
    const store = new InMemoryEphemeralStore();
    const jobs = new JobRegistry(store, new FakeClock(), undefined, 1_000, 120);
    const handles: string[] = [];
    for (let i = 0; i < 2; i++) {
      const h = await jobs.openDisplay(region(50, 1));
      await jobs.claimDisplay(h, frame(1, 10 + i)); // claimed: no longer "open", still held by the tab
      handles.push(h);
    }
    await expect(jobs.openDisplay(region(21, 1))).rejects.toMatchObject({ code: 'RateLimited' });
    await jobs.openDisplay(region(20, 1)); // exactly at the bound
    await expect(jobs.openDisplay(region(1, 1))).rejects.toMatchObject({ code: 'RateLimited' });
    await jobs.openDisplay(region(50, 2)); // another tab has its own budget
    await jobs.release(handles[0]!, cs(1));
    await jobs.openDisplay(region(50, 1));
    // A restarted worker recounts the tab from its markers.
    const restarted = new JobRegistry(store, new FakeClock(), undefined, 1_000, 120);
    await expect(restarted.openDisplay(region(1, 1))).rejects.toMatchObject({ code: 'RateLimited' });
    await restarted.forgetTab(1);
    await restarted.openDisplay(region(100, 1));
  });
});
