// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { SpareFrame, SPARE_ATTR_VALUE } from '../../../entrypoints/content/spare-frame';
import { isOwnFrame, isOwnNode } from '../../../entrypoints/content/own-frames';

const URL_ = 'chrome-extension://dyn/display-frame.html';
type Movable = { moveBefore?: (node: Node, child: Node | null) => void };

/** happy-dom has no moveBefore: a stand-in that records the moves (Chromium keeps the iframe's document). */
function withMoveBefore(): { moves: Node[]; restore(): void } {
  const proto = Element.prototype as unknown as Movable;
  const before = proto.moveBefore;
  const moves: Node[] = [];
  proto.moveBefore = function (this: Element, node: Node, child: Node | null) {
    moves.push(node);
    this.insertBefore(node, child);
  };
  return { moves, restore: () => (before ? (proto.moveBefore = before) : delete proto.moveBefore) };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
  document.body.innerHTML = '';
  for (const el of [...document.documentElement.children]) if (el !== document.head && el !== document.body) el.remove();
});

describe('spare display frame', () => {
  it('loads the frame page without a handle off screen, ours; the region takes it with its document', () => {
    const m = withMoveBefore();
    restore = m.restore;
    const spare = new SpareFrame(document, () => URL_, 'data-overcrypt');
    spare.prepare();
    spare.prepare(); // one at a time
    const frames = [...document.querySelectorAll('iframe')];
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(frame.getAttribute('src')).toBe(URL_); // no fragment: nothing to claim until a region hands it one
    expect(frame.getAttribute('data-overcrypt')).toBe(SPARE_ATTR_VALUE);
    expect(isOwnFrame(frame)).toBe(true);
    expect(isOwnNode(frame.parentElement!)).toBe(true);
    expect(frame.parentElement!.style.position).toBe('fixed');

    const region = document.createElement('div');
    document.body.append(region);
    expect(spare.take(region)).toEqual({ frame, loaded: false });
    frame.dispatchEvent(new Event('load')); // a load after the take is the region's own load: the spare forgets it
    expect(m.moves).toEqual([frame]);
    expect(frame.parentElement).toBe(region);
    expect(document.querySelectorAll('[data-overcrypt="spare"]')).toHaveLength(0); // the holder is gone
    expect(spare.take(region)).toBeUndefined(); // taken once
  });

  it('says whether its document loaded; none to take once removed by the page or discarded', () => {
    restore = withMoveBefore().restore;
    const spare = new SpareFrame(document, () => URL_, 'data-overcrypt');
    spare.prepare();
    const frame = document.querySelector('iframe')!;
    frame.dispatchEvent(new Event('load'));
    const region = document.createElement('div');
    document.body.append(region);
    frame.remove(); // the page removed it
    expect(spare.take(region)).toBeUndefined();
    spare.prepare(); // a new one
    const second = document.querySelector('iframe')!;
    expect(second).not.toBe(frame);
    second.dispatchEvent(new Event('load'));
    expect(spare.take(region)).toEqual({ frame: second, loaded: true });
    spare.prepare();
    const third = [...document.querySelectorAll('iframe')].find((f) => f !== second)!;
    expect(third.isConnected).toBe(true);
    spare.discard();
    expect(third.isConnected).toBe(false);
    expect(second.parentElement).toBe(region); // a taken frame is the region's, not the spare's
  });

  it('without moveBefore (the frame would load again when moved) there is no spare', () => {
    const spare = new SpareFrame(document, () => URL_, 'data-overcrypt');
    expect(SpareFrame.supported(document)).toBe(false);
    spare.prepare();
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
  });
});
