// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { deliverParts } from '../../../lib/page/deliver';
import { followTarget, over, overlayStyle } from '../../../lib/page/overlay';
import { guardSiteBox, readBox, writeBox } from '../../../lib/page/site-box';
import { geometryVisible, supportsTrackVisibility, watchVisibility } from '../../../lib/page/visibility';
import { isError, ErrorCode } from '../../../lib/errors';

function manualInterval() {
  const cbs = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: (cb: () => void) => (cbs.set(next, cb), next++),
    clearInterval: (id: unknown) => void cbs.delete(id as number),
    tick: () => [...cbs.values()].forEach((cb) => cb()),
    get active() {
      return cbs.size;
    },
  };
}

function rect(top: number, left: number, width: number, height: number): DOMRect {
  return { top, left, width, height, bottom: top + height, right: left + width, x: left, y: top, toJSON: () => ({}) } as DOMRect;
}

describe('site box guard', () => {
  it('trips when the user types into the site box (events) and when a script sets it silently (polling)', async () => {
    document.body.innerHTML = '<textarea id="input"></textarea>';
    const box = document.getElementById('input') as HTMLTextAreaElement;
    const timers = manualInterval();
    const onForeign = vi.fn();
    const guard = guardSiteBox(box, onForeign, timers);
    box.value = 'h';
    box.dispatchEvent(new Event('input', { bubbles: true }));
    await Promise.resolve();
    expect(onForeign).toHaveBeenCalledTimes(1);
    expect(guard.tripped).toBe(true);

    const onForeign2 = vi.fn();
    box.value = '';
    const guard2 = guardSiteBox(box, onForeign2, timers);
    box.value = 'set by a script, no event';
    expect(onForeign2).not.toHaveBeenCalled();
    timers.tick();
    expect(onForeign2).toHaveBeenCalledTimes(1);
    guard.stop();
    guard2.stop();
    expect(timers.active).toBe(0);
  });

  it('ignores our own writes while paused and takes the new content as expected on resume', () => {
    document.body.innerHTML = '<textarea id="input"></textarea>';
    const box = document.getElementById('input') as HTMLTextAreaElement;
    const timers = manualInterval();
    const onForeign = vi.fn();
    const guard = guardSiteBox(box, onForeign, timers);
    guard.pause();
    writeBox(box, 'OC1S1abc');
    timers.tick();
    box.value = '';
    guard.resume();
    timers.tick();
    expect(onForeign).not.toHaveBeenCalled();
    guard.stop();
  });

  it('writeBox uses the prototype setter and dispatches a bubbling input event (what Vue listens to)', () => {
    document.body.innerHTML = '<form><textarea id="input"></textarea></form>';
    const box = document.getElementById('input') as HTMLTextAreaElement;
    let vueCopy = '';
    document.querySelector('form')!.addEventListener('input', (e) => (vueCopy = (e.target as HTMLTextAreaElement).value));
    writeBox(box, 'armor');
    expect(vueCopy).toBe('armor');
    expect(readBox(box)).toBe('armor');
  });
});

describe('deliverParts', () => {
  it('writes and sends each part only after the site took the previous one', async () => {
    document.body.innerHTML = '<textarea id="input"></textarea>';
    const box = document.getElementById('input') as HTMLTextAreaElement;
    const sent: string[] = [];
    let clock = 0;
    const strategy = {
      write: (b: Element, t: string) => writeBox(b, t),
      // The site empties its box asynchronously after a send.
      send: (b: Element) => {
        sent.push((b as HTMLTextAreaElement).value);
        setTimeout(() => ((b as HTMLTextAreaElement).value = ''), 0);
      },
      accepted: (b: Element) => readBox(b) === '',
    };
    await deliverParts(() => box, ['p1', 'p2', 'p3'], strategy, { delay: () => new Promise((r) => setTimeout(r, 0)), now: () => clock++ });
    expect(sent).toEqual(['p1', 'p2', 'p3']);
  });

  it('fails when the site never takes the text, and when the box is gone', async () => {
    document.body.innerHTML = '<textarea id="input"></textarea>';
    const box = document.getElementById('input') as HTMLTextAreaElement;
    let clock = 0;
    const strategy = { write: writeBox, send: () => undefined, accepted: () => false };
    const err = await deliverParts(() => box, ['p1'], strategy, { delay: async () => void (clock += 1000), now: () => clock, timeoutMs: 3000 }).catch((e) => e);
    expect(isError(err, ErrorCode.Network)).toBe(true);
    const gone = await deliverParts(() => null, ['p1'], strategy, { delay: async () => undefined, now: () => 0 }).catch((e) => e);
    expect(isError(gone, ErrorCode.Conflict)).toBe(true);
  });
});

describe('overlay', () => {
  it('places the frame exactly over the target, growing upwards when the target is smaller than the minimum', () => {
    expect(over({ top: 500, left: 10, width: 300, height: 30, bottom: 530 }, 80)).toEqual({ top: 450, left: 10, width: 300, height: 80 });
    expect(over({ top: 100, left: 10, width: 300, height: 120, bottom: 220 }, 80)).toEqual({ top: 100, left: 10, width: 300, height: 120 });
    expect(overlayStyle({ top: 1.4, left: 2.6, width: 10, height: -3 })).toEqual({ top: '1px', left: '3px', width: '10px', height: '0px' });
  });

  it('follows the target on scroll and reports when the site removed it', () => {
    document.body.innerHTML = '<textarea id="t"></textarea><iframe id="f"></iframe>';
    const target = document.getElementById('t')!;
    const frame = document.getElementById('f') as HTMLElement;
    let r = rect(100, 20, 300, 100);
    target.getBoundingClientRect = () => r;
    const rafs: FrameRequestCallback[] = [];
    const win = {
      addEventListener: window.addEventListener.bind(window),
      removeEventListener: window.removeEventListener.bind(window),
      requestAnimationFrame: (cb: FrameRequestCallback) => rafs.push(cb),
      cancelAnimationFrame: () => undefined,
    };
    const gone = vi.fn();
    const h = followTarget(frame, target, { win: win as never }, gone);
    expect(frame.style.top).toBe('100px');
    expect(frame.style.position).toBe('fixed');
    r = rect(40, 20, 300, 100);
    window.dispatchEvent(new Event('scroll'));
    rafs.splice(0).forEach((cb) => cb(0));
    expect(frame.style.top).toBe('40px');
    target.remove();
    h.update();
    expect(gone).toHaveBeenCalled();
    h.stop();
  });
});

describe('visibility', () => {
  function setup(hit: (x: number, y: number) => Element | null) {
    document.body.innerHTML = '<iframe id="f"></iframe>';
    const frame = document.getElementById('f')!;
    frame.getBoundingClientRect = () => rect(100, 100, 300, 80);
    document.elementFromPoint = hit as typeof document.elementFromPoint;
    return frame;
  }
  const viewport = { width: 1000, height: 800 };

  it('visible when the frame is on top at the centre and all corners', () => {
    const frame = setup(() => document.getElementById('f'));
    expect(geometryVisible(frame, document, viewport)).toBe(true);
  });

  it('not visible when something covers a corner, or when it is partly outside the viewport', () => {
    const cover = document.createElement('div');
    const frame = setup((x, y) => (x > 390 && y > 170 ? cover : document.getElementById('f')));
    expect(geometryVisible(frame, document, viewport)).toBe(false);
    const frame2 = setup(() => document.getElementById('f'));
    expect(geometryVisible(frame2, document, { width: 350, height: 800 })).toBe(false);
  });

  it('uses IntersectionObserver v2 when present: visible only with isVisible and a full ratio', () => {
    let cb: ((e: unknown[]) => void) | undefined;
    let init: Record<string, unknown> | undefined;
    class FakeIO {
      get trackVisibility() {
        return true;
      }
      constructor(c: (e: unknown[]) => void, i: Record<string, unknown>) {
        cb = c;
        init = i;
      }
      observe() {}
      disconnect() {}
    }
    expect(supportsTrackVisibility(FakeIO as never)).toBe(true);
    const seen: boolean[] = [];
    const timers = manualInterval();
    const w = watchVisibility(document.body, (v) => seen.push(v), {
      IntersectionObserver: FakeIO as never, ...timers, fallbackCheck: () => true,
    });
    expect(init?.trackVisibility).toBe(true);
    expect(w.visible).toBe(false);
    cb!([{ isVisible: true, intersectionRatio: 1 }]);
    cb!([{ isVisible: false, intersectionRatio: 1 }]);
    cb!([{ isVisible: true, intersectionRatio: 0.5 }]);
    expect(seen).toEqual([true, false]);
    expect(timers.active).toBe(0);
  });

  it('falls back to polling the geometry check', () => {
    let ok = false;
    const timers = manualInterval();
    const seen: boolean[] = [];
    const w = watchVisibility(document.body, (v) => seen.push(v), { ...timers, fallbackCheck: () => ok });
    ok = true;
    timers.tick();
    ok = false;
    timers.tick();
    expect(seen).toEqual([true, false]);
    w.stop();
    expect(timers.active).toBe(0);
  });
});
