// @vitest-environment happy-dom
/**
 * Secure compose on the page side: the frame must not hide the site's newest message (the site's box is given the
 * room, and taken back when compose stops), and the focus the site takes when it sends our armor comes back to the
 * frame.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeLayout, reserveRoom } from '../../../lib/page/overlay';
import { CHIP_ROOM_PX, COMPOSE_MIN_HEIGHT_PX, ComposeManager } from '../../../entrypoints/content/compose';
import { loungeComposeManager } from './compose-support';
import { loadLounge } from './lounge-page';

async function settled(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe('compose layout', () => {
  it('a box that has the room holds both the frame (at its bottom) and the chip strip (above it): nothing above the box is covered', () => {
    const box = { top: 600, left: 10, width: 500, height: 122, bottom: 722 };
    const { frame, chip } = composeLayout(box, 104, 18);
    expect(frame).toEqual({ top: 618, left: 10, width: 500, height: 104 });
    expect(chip.top).toBeGreaterThanOrEqual(box.top);
    expect(chip.top + chip.height).toBeLessThanOrEqual(frame.top);
  });

  it('a box that could not grow gets a frame growing upwards, the chip above it', () => {
    const { frame, chip } = composeLayout({ top: 700, left: 0, width: 400, height: 30, bottom: 730 }, 104, 18);
    expect(frame).toEqual({ top: 626, left: 0, width: 400, height: 104 });
    expect(chip.top + chip.height).toBeLessThanOrEqual(frame.top);
  });

  it('reserveRoom sets min-height and the chip padding, and gives the box its own inline styles back', () => {
    document.body.innerHTML = '<textarea id="t" style="min-height: 20px; color: red"></textarea><textarea id="u"></textarea>';
    const t = document.getElementById('t') as HTMLTextAreaElement;
    const env = { getComputedStyle: () => ({ paddingTop: '6px' }) };
    const restore = reserveRoom(t, 122, 18, env);
    expect(t.style.getPropertyValue('min-height')).toBe('122px');
    expect(t.style.getPropertyPriority('min-height')).toBe('important');
    expect(t.style.getPropertyValue('padding-top')).toBe('24px');
    restore();
    expect(t.style.getPropertyValue('min-height')).toBe('20px');
    expect(t.style.getPropertyValue('padding-top')).toBe('');
    expect(t.style.color).toBe('red');
    const u = document.getElementById('u') as HTMLTextAreaElement;
    reserveRoom(u, 122, 18, env)();
    expect(u.getAttribute('style') ?? '').toBe('');
  });
});

describe('content script secure compose: room and focus', () => {
  let manager: ComposeManager;
  let container: HTMLElement;
  let input: HTMLTextAreaElement;
  let sent: string[];

  beforeEach(() => {
    loadLounge([{ from: 'bob', html: 'the newest message' }]);
    input = document.getElementById('input') as HTMLTextAreaElement;
    sent = [];
    // The Lounge: Enter sends its (input-event fed) copy, empties the box and focuses it; a site may then move the
    // focus elsewhere (here: its send button), which must not leave the user typing into the page.
    let copy = '';
    input.addEventListener('input', () => (copy = input.value));
    input.addEventListener('keypress', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter' || copy === '') return;
      sent.push(copy);
      input.value = '';
      copy = '';
      input.focus();
      (document.getElementById('submit') as HTMLButtonElement).focus();
    });
    container = document.createElement('div');
    document.documentElement.append(container);
    ({ manager } = loungeComposeManager(container));
  });
  afterEach(() => manager.close());

  it('while compose is open the site box has the room for the frame and the chip; closing gives it back', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    expect(input.style.getPropertyValue('min-height')).toBe(`${COMPOSE_MIN_HEIGHT_PX + CHIP_ROOM_PX}px`);
    expect(Number.parseFloat(input.style.getPropertyValue('padding-top'))).toBeGreaterThanOrEqual(CHIP_ROOM_PX);
    manager.close();
    expect(input.style.getPropertyValue('min-height')).toBe('');
    expect(input.style.getPropertyValue('padding-top')).toBe('');
  });

  it('after delivering our armor the focus is back in the frame, wherever the site put it', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    const frame = container.querySelector('iframe')!;
    frame.focus();
    expect(document.activeElement).toBe(frame);
    manager.onCiphertext('job1', { messageId: 'm1', parts: ['OC1Spart1'] });
    await settled();
    expect(sent).toEqual(['OC1Spart1']);
    expect(document.activeElement).toBe(frame);
  });
});
