// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { CHIP_ROOM_PX } from '../../../entrypoints/content/compose';
import { StatusChip } from '../../../entrypoints/content/status-chip';

afterEach(() => {
  document.body.innerHTML = '';
});

function page() {
  document.body.innerHTML = '<div id="list"></div><form id="form"><textarea id="input" style="margin: 5px"></textarea></form><div id="ours"></div>';
  const box = document.getElementById('input') as HTMLTextAreaElement;
  // happy-dom lays nothing out: the box sits at y = 600..619 (the site's compose bar at the bottom of the window).
  box.getBoundingClientRect = () => ({ top: 600, bottom: 619, left: 10, right: 510, width: 500, height: 19, x: 10, y: 600 }) as DOMRect;
  const chip = new StatusChip(document, window as unknown as Window & typeof globalThis, document.getElementById('ours')!, () => undefined);
  const host = document.querySelector<HTMLElement>('[data-overcrypt="chip"]')!;
  return { box, chip, host };
}

describe('status chip placement: never over the message list', () => {
  it('encryption off: the chip reserves its own strip above the site box (its top margin grows) and sits in it', () => {
    const { box, chip, host } = page();
    chip.attach(box);
    chip.render({ compose: { kind: 'off' }, hasConversation: true });
    expect(box.style.getPropertyValue('margin-top')).toBe(`${5 + CHIP_ROOM_PX}px`);
    expect(box.style.getPropertyPriority('margin-top')).toBe('important');
    // The chip lies in the strip: below it is the box's own 5 px margin, above it nothing of ours.
    expect(Number.parseFloat(host.style.top)).toBe(600 - 5 - CHIP_ROOM_PX);
    expect(Number.parseFloat(host.style.top) + Number.parseFloat(host.style.height)).toBeLessThanOrEqual(600 - 5);
  });

  it('secure compose holding room: the strip is given back and the chip goes into the compose room; off again: strip again', () => {
    const { box, chip } = page();
    chip.attach(box);
    chip.render({ compose: { kind: 'off' }, hasConversation: true });
    chip.render({ compose: { kind: 'open', jobId: 'j', covered: false }, hasConversation: true });
    expect(box.style.getPropertyValue('margin-top')).toBe('5px'); // the page's own inline value, back
    chip.render({ compose: { kind: 'blocked', reason: 'siteBoxChanged' }, hasConversation: true });
    expect(box.style.getPropertyValue('margin-top')).toBe('5px');
    chip.render({ compose: { kind: 'off' }, hasConversation: true });
    expect(box.style.getPropertyValue('margin-top')).toBe(`${5 + CHIP_ROOM_PX}px`);
    chip.remove();
    expect(box.style.getPropertyValue('margin-top')).toBe('5px');
    expect(box.style.getPropertyPriority('margin-top')).toBe('');
  });

  it('detached from the box (conversation closed) or moved to a new box: the old box gets its margin back', () => {
    const { box, chip } = page();
    chip.attach(box);
    chip.render({ compose: { kind: 'off' }, hasConversation: true });
    const other = document.createElement('textarea');
    document.body.append(other);
    chip.attach(other);
    expect(box.style.getPropertyValue('margin-top')).toBe('5px');
    expect(other.style.getPropertyValue('margin-top')).toBe(`${CHIP_ROOM_PX}px`);
    chip.attach(null);
    expect(other.getAttribute('style') ?? '').not.toContain('margin-top');
  });
});
