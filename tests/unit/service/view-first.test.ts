import { describe, expect, it } from 'vitest';
import { ViewFirst } from '../../../lib/service/view-first';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ViewFirst', () => {
  it('holds background work while in-view work runs, then lets it all go', async () => {
    const q = new ViewFirst();
    const order: string[] = [];
    const view = deferred();
    const v = q.run(false, async () => {
      order.push('view start');
      await view.promise;
      order.push('view end');
    });
    const b1 = q.run(true, async () => void order.push('background 1'));
    const b2 = q.run(true, async () => void order.push('background 2'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['view start']);
    view.resolve();
    await Promise.all([v, b1, b2]);
    expect(order).toEqual(['view start', 'view end', 'background 1', 'background 2']);
  });

  it('runs background work at once when nothing is in view, and in-view work never waits', async () => {
    const q = new ViewFirst();
    const slow = deferred();
    const b = q.run(true, () => slow.promise.then(() => 'b'));
    await expect(q.run(false, async () => 'v')).resolves.toBe('v');
    slow.resolve();
    await expect(b).resolves.toBe('b');
  });

  it('an in-view task that fails still releases the waiting ones', async () => {
    const q = new ViewFirst();
    const v = q.run(false, async () => {
      throw new Error('x');
    });
    const b = q.run(true, async () => 'b');
    await expect(v).rejects.toThrow('x');
    await expect(b).resolves.toBe('b');
  });
});
