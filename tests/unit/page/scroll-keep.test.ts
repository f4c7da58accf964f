// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { holdScroll, isPinnedToBottom, pinnedListsAbove } from '../../../lib/page/scroll-keep';
import { reserveRoom } from '../../../lib/page/overlay';

/** A list with a box: `content()` px of content in 200 px of room, scrollTop clamped like a browser's. */
function list(content: () => number): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  let top = 0;
  const max = () => Math.max(0, content() - 200);
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: content });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => 200 });
  Object.defineProperty(el, 'scrollTop', {
    configurable: true,
    get: () => top,
    set: (v: number) => {
      top = Math.min(Math.max(0, v), max());
    },
  });
  el.getBoundingClientRect = () => ({ top: 0, left: 0, width: 300, height: 200, bottom: 200, right: 300 }) as DOMRect;
  return el;
}

const doc = document as unknown as { elementsFromPoint?: (x: number, y: number) => Element[] };
afterEach(() => {
  delete doc.elementsFromPoint;
  document.body.innerHTML = '';
});

describe('holdScroll: lists keep their place while we change the layout', () => {
  it('a list at its bottom end is at the bottom end again after its content grew or shrank', () => {
    let h = 1000;
    const el = list(() => h);
    el.scrollTop = 1e9;
    expect(isPinnedToBottom(el)).toBe(true);
    const restore = holdScroll([el]);
    h = 1400;
    restore();
    expect(el.scrollTop).toBe(1200);
    const again = holdScroll([el]);
    h = 600;
    again();
    expect(el.scrollTop).toBe(400);
  });

  it('a list scrolled elsewhere keeps the row at its top edge in place (content inserted above it)', () => {
    let h = 1000;
    const el = list(() => h);
    el.scrollTop = 300;
    const row = document.createElement('div');
    el.append(row);
    let rowTop = -10; // relative to the list: the row the user reads starts 10 px above the top edge
    row.getBoundingClientRect = () => ({ top: rowTop, bottom: rowTop + 20, left: 0, right: 300, width: 300, height: 20 }) as DOMRect;
    row.getClientRects = () => [row.getBoundingClientRect()] as unknown as DOMRectList;
    doc.elementsFromPoint = () => [row, el, document.body];
    const restore = holdScroll([el]);
    h = 1100; // 100 px inserted above the row: the browser shows it 100 px lower
    rowTop += 100;
    restore();
    expect(el.scrollTop).toBe(400);
  });

  it('a list scrolled elsewhere whose top row we hid is left alone (no jump to the bottom)', () => {
    let h = 1000;
    const el = list(() => h);
    el.scrollTop = 300;
    const row = document.createElement('div');
    el.append(row);
    row.getBoundingClientRect = () => ({ top: 0, bottom: 20, left: 0, right: 300, width: 300, height: 20 }) as DOMRect;
    doc.elementsFromPoint = () => [row, el];
    const restore = holdScroll([el]);
    row.getClientRects = () => [] as unknown as DOMRectList; // display:none now
    h = 900;
    restore();
    expect(el.scrollTop).toBe(300);
  });

  it('reserveRoom (compose) keeps a pinned list above the box pinned, on reserve and on release', () => {
    let h = 1000;
    const el = list(() => h);
    el.scrollTop = 1e9;
    const box = document.createElement('textarea');
    document.body.append(box);
    box.getBoundingClientRect = () => ({ top: 210, bottom: 240, left: 0, right: 300, width: 300, height: 30 }) as DOMRect;
    doc.elementsFromPoint = () => [el, document.body];
    expect(pinnedListsAbove(box)).toEqual([el]);
    const release = reserveRoom(box, 120, 18, { getComputedStyle: () => ({ paddingTop: '2px' }) });
    expect(box.style.getPropertyValue('padding-top')).toBe('20px');
    expect(el.scrollTop).toBe(800);
    // The list grew meanwhile (new messages) and is at its end: giving the room back keeps it there.
    h = 1300;
    el.scrollTop = 1e9;
    release();
    expect(box.style.getPropertyValue('padding-top')).toBe('');
    expect(el.scrollTop).toBe(1100);
  });
});
