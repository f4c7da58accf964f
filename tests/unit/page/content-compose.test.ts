// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ComposeManager, type ComposeState } from '../../../entrypoints/content/compose';
import { fakeApi } from '../frames/support';
import { loungeComposeManager } from './compose-support';
import { loadLounge } from './lounge-page';

async function settled(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe('content script secure compose', () => {
  let sent: string[];
  let states: ComposeState[];
  let manager: ComposeManager;
  let api: ReturnType<typeof fakeApi>;
  let container: HTMLElement;

  beforeEach(() => {
    loadLounge([]);
    sent = [];
    states = [];
    const input = document.getElementById('input') as HTMLTextAreaElement;
    // The Lounge: Enter is a keypress handler that sends its (input-event fed) copy and clears the box.
    let vueCopy = '';
    input.addEventListener('input', () => (vueCopy = input.value));
    input.addEventListener('keypress', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter' || vueCopy === '') return;
      sent.push(vueCopy);
      input.value = '';
      vueCopy = '';
    });
    container = document.createElement('div');
    document.documentElement.append(container);
    ({ api, manager } = loungeComposeManager(container, (s) => states.push(s)));
  });
  afterEach(() => manager.close());

  it('opens a job, lays the compose frame over the site box, and sends the ciphertext parts in order', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    expect(api.calls[0]).toEqual({ type: 'compose/open', host: '127.0.0.1:9000', conversationId: 'overcryptnet/group/#overcrypt' });
    const frame = container.querySelector('iframe[data-overcrypt="compose-frame"]') as HTMLIFrameElement;
    expect(frame.getAttribute('src')).toBe(`chrome-extension://dyn/compose-frame.html#${'H'.repeat(22)}`);
    expect(frame.style.position).toBe('fixed');
    expect(states.at(-1)?.kind).toBe('open');

    manager.onCiphertext('job1', { messageId: 'm1', parts: ['OC1Spart1', 'OC1Spart2'] });
    manager.onCiphertext('job1', { messageId: 'm1', parts: ['OC1Spart1', 'OC1Spart2'] }); // push + poll: once
    manager.onCiphertext('other-job', { messageId: 'm2', parts: ['OC1Sx'] });
    await settled();
    expect(sent).toEqual(['OC1Spart1', 'OC1Spart2']);
    expect((document.getElementById('input') as HTMLTextAreaElement).value).toBe('');
  });

  it('text typed into the site box during secure compose blocks the send (worker told, nothing inserted)', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    const input = document.getElementById('input') as HTMLTextAreaElement;
    input.value = 's';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settled();
    expect(states.at(-1)).toEqual({ kind: 'blocked', reason: 'siteBoxChanged' });
    expect(api.calls.find((c) => (c as { type: string }).type === 'compose/block')).toEqual({ type: 'compose/block', jobId: 'job1', reason: 'siteBoxChanged' });
    manager.onCiphertext('job1', { messageId: 'm1', parts: ['OC1Spart1'] });
    await settled();
    expect(sent).toEqual([]);
    expect(input.value).toBe('s');
  });

  it('Enter typed into the site box during secure compose never reaches the site (no clear-text send)', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    const input = document.getElementById('input') as HTMLTextAreaElement;
    input.value = 'typed in the page';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    for (const type of ['keydown', 'keypress']) {
      const e = new KeyboardEvent(type, { key: 'Enter', bubbles: true, cancelable: true });
      input.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(true);
    }
    await settled();
    expect(sent).toEqual([]);
    expect(states.at(-1)).toEqual({ kind: 'blocked', reason: 'siteBoxChanged' });
  });

  it('hands the focus the site box takes (on load, after a send) to the compose frame', async () => {
    const input = document.getElementById('input') as HTMLTextAreaElement;
    input.focus();
    expect(document.activeElement).toBe(input);
    await manager.open('overcryptnet/group/#overcrypt');
    const frame = container.querySelector('iframe')!;
    expect(document.activeElement).toBe(frame);
    input.focus();
    expect(document.activeElement).toBe(frame);
    manager.close();
    input.focus();
    expect(document.activeElement).toBe(input);
  });

  it('close() removes the frame and releases the job', async () => {
    await manager.open('overcryptnet/group/#overcrypt');
    manager.close();
    await settled();
    expect(container.querySelector('iframe')).toBeNull();
    expect(api.calls.at(-1)).toEqual({ type: 'job/release', handleOrJobId: 'job1' });
    expect(states.at(-1)).toEqual({ kind: 'off' });
  });

  it('a failed open (locked) is reported, no frame', async () => {
    const { OvercryptError, ErrorCode } = await import('../../../lib/errors');
    api = fakeApi(() => {
      throw new OvercryptError(ErrorCode.Locked, 'locked');
    });
    (manager as unknown as { deps: { api: unknown } }).deps.api = api;
    await manager.open('c');
    expect(states.at(-1)).toEqual({ kind: 'failed', code: 'Locked' });
    expect(container.querySelector('iframe')).toBeNull();
  });
});
