import { describe, expect, it } from 'vitest';
import { OFFER_GRACE_MS, SPARE_WAIT_MS, SpareFrames, type Timers } from '../../../lib/service/spares';
import type { Caller } from '../../../lib/service/senders';

/** Timers the test fires by hand. */
function manualTimers(): Timers & { fire(ms: number): void } {
  let next = 1;
  const pending = new Map<number, { cb: () => void; ms: number }>();
  return {
    setTimeout: (cb, ms) => (pending.set(next, { cb, ms }), next++),
    clearTimeout: (id) => void pending.delete(id as number),
    fire(ms) {
      for (const [id, t] of [...pending]) if (t.ms === ms) (pending.delete(id), t.cb());
    },
  };
}

const frame = (tabId: number, frameId: number): Caller => ({ kind: 'displayFrame', tabId, frameId, origin: 'chrome-extension://x' });

describe('spare display frames', () => {
  it("the waiting spare of the tab gets the handle; another tab's spare does not", async () => {
    const s = new SpareFrames(manualTimers());
    const a = s.wait(frame(1, 5));
    const b = s.wait(frame(2, 7));
    expect(await s.offer(1, 'H1')).toMatchObject({ tabId: 1, frameId: 5 });
    expect(await a).toBe('H1');
    s.forgetTab(2);
    expect(await b).toBeUndefined();
  });

  it('a handle offered before the spare asked waits OFFER_GRACE_MS for it, then the content script loads a frame', async () => {
    const timers = manualTimers();
    const s = new SpareFrames(timers);
    const offered = s.offer(1, 'H1');
    expect(await s.wait(frame(1, 5))).toBe('H1');
    expect(await offered).toMatchObject({ frameId: 5 });
    const late = s.offer(1, 'H2');
    timers.fire(OFFER_GRACE_MS);
    expect(await late).toBeUndefined();
    const wait = s.wait(frame(1, 6));
    timers.fire(SPARE_WAIT_MS);
    expect(await wait).toBeUndefined(); // nothing came: the spare stays empty
  });

  it('two spares asking in one tab (the page embedding our frame page to catch a region): neither gets one', async () => {
    const s = new SpareFrames(manualTimers());
    const ours = s.wait(frame(1, 5));
    const pages = s.wait(frame(1, 9));
    expect(await ours).toBeUndefined();
    expect(await pages).toBeUndefined();
    expect(await s.offer(1, 'H1')).toBeUndefined(); // the region gets a frame of its own
    const next = s.wait(frame(1, 10));
    expect(await s.offer(1, 'H2')).toMatchObject({ frameId: 10 });
    expect(await next).toBe('H2');
  });
});
