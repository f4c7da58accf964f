import { describe, expect, it } from 'vitest';
import { ViewFirst } from '../../../lib/service/view-first';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ViewFirst', () => {
  it('holds background work while in-view work runs, then runs it one task at a time, in order', async () => {
    const q = new ViewFirst();
    const order: string[] = [];
    const view = deferred();
    const v = q.run(false, async () => {
      order.push('view start');
      await view.promise;
      order.push('view end');
    });
    const slow = deferred();
    const b1 = q.run(true, async () => {
      order.push('background 1 start');
      await slow.promise;
      order.push('background 1 end');
    });
    const b2 = q.run(true, async () => void order.push('background 2'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['view start']);
    expect(q.queued).toBe(2);
    view.resolve();
    await v;
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['view start', 'view end', 'background 1 start']); // background 2 waits for its turn
    slow.resolve();
    await Promise.all([b1, b2]);
    expect(order).toEqual(['view start', 'view end', 'background 1 start', 'background 1 end', 'background 2']);
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

  it('in-view work arriving while a background task runs goes at once; the next background task waits for it', async () => {
    const q = new ViewFirst();
    const order: string[] = [];
    const bg = deferred();
    const view = deferred();
    const b1 = q.run(true, async () => {
      order.push('b1');
      await bg.promise;
    });
    const b2 = q.run(true, async () => void order.push('b2'));
    const v = q.run(false, async () => {
      order.push('view');
      await view.promise;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect([...order].sort()).toEqual(['b1', 'view']); // the in-view task did not wait for the running b1
    bg.resolve();
    await b1;
    await new Promise((r) => setTimeout(r, 5));
    expect(order).not.toContain('b2'); // b2 waits while the in-view task runs
    view.resolve();
    await Promise.all([v, b2]);
    expect(order[2]).toBe('b2');
  });

  it('hold: background work waits until released, or until the hold runs out', async () => {
    const q = new ViewFirst();
    const order: string[] = [];
    const release = q.hold(10_000);
    const b = q.run(true, async () => void order.push('background'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    release();
    release(); // once
    await b;
    expect(order).toEqual(['background']);
    q.hold(1); // never released: it runs out
    await expect(q.run(true, async () => 'late')).resolves.toBe('late');
  });
});
