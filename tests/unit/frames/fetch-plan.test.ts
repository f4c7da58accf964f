import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { itemOffsets, itemsInBand, nextBatch } from '../../../components/frames/fetch-plan';
import { messageTime } from '../../../components/frames/time';

const all = (n: number) => new Set(Array.from({ length: n }, (_, i) => i));
const plan = (o: Partial<Parameters<typeof nextBatch>[0]> & { heightsPx: number[] }) =>
  nextBatch({ pending: all(o.heightsPx.length), inView: new Set(), nearPx: 0, chunk: 25, ...o });

describe('nextBatch', () => {
  it('asks for everything in view (and near it) in one request, even beyond a chunk', () => {
    const heightsPx = Array.from({ length: 50 }, () => 20);
    expect(plan({ heightsPx, inView: new Set([10, 11]) })).toEqual([10, 11]);
    expect(plan({ heightsPx, inView: new Set([10, 11]), nearPx: 40 })).toEqual([8, 9, 10, 11, 12, 13]);
    const inView = new Set(Array.from({ length: 30 }, (_, i) => i + 5));
    expect(plan({ heightsPx, inView })).toHaveLength(30);
  });

  it('near is measured in pixels: a tall neighbour counts, items beyond it do not', () => {
    const heightsPx = [20, 20, 300, 20, 20];
    expect(plan({ heightsPx, inView: new Set([1]), nearPx: 100 })).toEqual([0, 1, 2]);
  });

  it('then chunks of the nearest pending items; index order when nothing is in view', () => {
    const heightsPx = Array.from({ length: 60 }, () => 20);
    const pending = all(60);
    pending.delete(30);
    expect(nextBatch({ pending, inView: new Set([30]), heightsPx, nearPx: 0, chunk: 4 })).toEqual([28, 29, 31, 32]);
    expect(plan({ heightsPx })).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('every item is asked for exactly once, whatever is in view', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 100 }),
        fc.array(fc.nat(99)),
        fc.nat(1000),
        fc.integer({ min: 1, max: 30 }),
        (heightsPx, view, nearPx, chunk) => {
          const pending = all(heightsPx.length);
          const inView = new Set(view.filter((i) => i < heightsPx.length));
          const asked: number[] = [];
          for (let step = 0; step <= heightsPx.length; step++) {
            const batch = nextBatch({ pending, inView, heightsPx, nearPx, chunk });
            if (batch.length === 0) break;
            const urgent = [...pending].some((i) => inView.has(i));
            if (!urgent) expect(batch.length).toBeLessThanOrEqual(chunk);
            for (const i of batch) {
              expect(pending.has(i)).toBe(true);
              pending.delete(i);
            }
            asked.push(...batch);
          }
          expect(asked.sort((a, b) => a - b)).toEqual([...all(heightsPx.length)]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('itemsInBand: items overlapping a band of the frame, from the heights', () => {
    expect([...itemsInBand([50, 50, 50, 50], { top: 60, bottom: 140 })]).toEqual([1, 2]);
    expect([...itemsInBand([50, 50, 50, 50], { top: 50, bottom: 100 })]).toEqual([1]);
    expect([...itemsInBand([50, 50], { top: 30, bottom: 30 })]).toEqual([]);
  });

  it('itemOffsets are running sums', () => {
    expect(itemOffsets([52, 70, 18])).toEqual([0, 52, 122, 140]);
  });
});

describe('messageTime', () => {
  it('local HH:MM and a full local date, from the signed header time', () => {
    const t = new Date(2026, 10, 25, 7, 3, 9).getTime();
    expect(messageTime(t)).toEqual({ short: '07:03', full: '2026-11-25 07:03:09' });
  });

  it('nothing for a missing or absurd time', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 1e20]) expect(messageTime(bad)).toEqual({ short: '', full: '' });
  });
});
