import { describe, expect, it } from 'vitest';
import { InMemoryEphemeralStore, JobRegistry, type Caller } from '../../../lib/service';
import { FakeClock } from '../vault/fixtures';

const frame = (tabId: number, frameId = 6): Caller => ({ kind: 'displayFrame', tabId, frameId, origin: 'chrome-extension://x' });
const cs = (tabId: number): Caller => ({ kind: 'contentScript', tabId, frameId: 0, origin: 'https://a.example' });

describe('job registry', () => {
  it('caps unclaimed display handles; expired ones are swept to make room', async () => {
    const clock = new FakeClock();
    const jobs = new JobRegistry(new InMemoryEphemeralStore(), clock, undefined, 3);
    const open = () => jobs.openDisplay({ opener: { tabId: 1, frameId: 0 }, host: 'a.example', parts: ['x'] });
    await open();
    await open();
    await open();
    await expect(open()).rejects.toMatchObject({ code: 'RateLimited' });
    clock.advance(5 * 60_000 + 1);
    await expect(open()).resolves.toEqual(expect.any(String));
  });

  it('handles are unguessable, distinct, single-use', async () => {
    const jobs = new JobRegistry(new InMemoryEphemeralStore(), new FakeClock());
    const handles = await Promise.all(Array.from({ length: 50 }, () => jobs.openDisplay({ opener: { tabId: 1, frameId: 0 }, host: 'h', parts: ['p'] })));
    expect(new Set(handles).size).toBe(50);
    expect(handles.every((h) => /^[A-Za-z0-9_-]{22}$/.test(h))).toBe(true);
    await jobs.claimDisplay(handles[0]!, frame(1));
    await expect(jobs.claimDisplay(handles[0]!, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('release only works from the opener tab; closing a tab forgets its contexts', async () => {
    const store = new InMemoryEphemeralStore();
    const jobs = new JobRegistry(store, new FakeClock());
    const h = await jobs.openDisplay({ opener: { tabId: 1, frameId: 0 }, host: 'h', parts: ['p'] });
    await jobs.release(h, cs(2));
    await expect(jobs.claimDisplay(h, frame(1), false)).resolves.toBeDefined();
    await jobs.release(h, cs(1));
    await expect(jobs.claimDisplay(h, frame(1))).rejects.toMatchObject({ code: 'NotFound' });
    await store.set('ctx:7:0', {});
    await store.set('ctx:7:3', {});
    await store.set('ctx:8:0', {});
    await jobs.forgetTab(7);
    expect(await store.keys('ctx:')).toEqual(['ctx:8:0']);
  });
});
