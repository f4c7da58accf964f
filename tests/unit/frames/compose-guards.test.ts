// @vitest-environment happy-dom
/**
 * The compose frame's guards against false alarms and stale lists: the site re-focusing its own box right after
 * our delivery is not focus theft (a real theft still is), fast Enter presses all go out in order, and who can read
 * is re-read on the worker's pushes and while the frame is shown.
 */
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiRequest, ComposeJob, RecipientView } from '../../../lib/api';
import { ComposeApp, DELIVERY_WINDOW_MS, FOCUS_HANDBACK_MS, RECIPIENTS_POLL_MS } from '../../../components/frames/ComposeApp';
import { fakeApi, mount, settle } from './support';

const HANDLE = 'c'.repeat(22);
const me: RecipientView = { identity: 'alice@net', handle: 'alice', state: 'verified', devices: [{ cardId: 'a1', identity: 'alice@net', fingerprint: 'AAAA', createdAt: 1, thisDevice: true }] };
const bob: RecipientView = { identity: 'bob@net', handle: 'bob', state: 'firstSeen', devices: [{ cardId: 'b1', identity: 'bob@net', fingerprint: 'BBBB', createdAt: 1 }] };
const carol: RecipientView = { identity: 'carol@net', handle: 'carol', state: 'noCard', devices: [] };
const job = (r: RecipientView[]): ComposeJob => ({ jobId: 'job1', conversation: { id: '#c', title: '#c', kind: 'channel' }, mode: 'card', recipients: r, maxPartLength: 340 });

class FocusTarget extends EventTarget {}

/** A worker that sends everything and answers re-reads with bob and me. */
function worker(req: ApiRequest): unknown {
  if (req.type === 'compose/claim') return job([bob, me]);
  if (req.type === 'compose/approve') return { recipients: [bob, me] };
  return { messageId: 'm', parts: 1 };
}

async function type(root: Element, text: string): Promise<HTMLTextAreaElement> {
  const ta = root.querySelector('textarea')!;
  await act(() => {
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  return ta;
}

function enter(ta: HTMLTextAreaElement): void {
  ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
}

describe('compose frame guards', () => {
  let root: HTMLElement;
  let focus: FocusTarget;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    document.body.innerHTML = '<div id="app"></div>';
    root = document.getElementById('app')!;
    focus = new FocusTarget();
  });
  afterEach(() => {
    render(null, root);
    vi.useRealTimers();
  });

  const submits = (api: { calls: ApiRequest[] }) => api.calls.filter((c) => c.type === 'compose/submit').map((c) => (c as { plaintext: string }).plaintext);
  const blur = () => act(() => void focus.dispatchEvent(new Event('blur')));
  const refocus = () => act(() => void focus.dispatchEvent(new Event('focus')));
  const stolen = () => root.querySelector('[data-warning="focusStolen"]');

  it('the site re-focusing its box right after our delivery, focus handed back: no warning, the next message goes out', async () => {
    const api = fakeApi(worker);
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    enter(await type(root, 'first'));
    await settle();
    // The user already types the next message when the content script delivers the first one: the site focuses
    // its box (our frame loses the focus) and the content script gives it straight back.
    await type(root, 'second');
    await blur();
    await refocus();
    await act(() => void vi.advanceTimersByTime(FOCUS_HANDBACK_MS * 2));
    expect(stolen()).toBeNull();
    enter(root.querySelector('textarea')!);
    await settle();
    expect(submits(api)).toEqual(['first', 'second']);
  });

  it('a blur after our send that is not handed back is still theft (warned after the hand-back grace)', async () => {
    const api = fakeApi(worker);
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    enter(await type(root, 'first'));
    await settle();
    await type(root, 'typing on');
    await blur();
    expect(stolen()).toBeNull();
    await act(() => void vi.advanceTimersByTime(FOCUS_HANDBACK_MS + 1));
    expect(stolen()).not.toBeNull();
    enter(root.querySelector('textarea')!);
    await settle();
    expect(submits(api)).toEqual(['first']);
  });

  it('outside the delivery window a blur while typing warns at once (page theft)', async () => {
    const api = fakeApi(worker);
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    enter(await type(root, 'first'));
    await settle();
    await act(() => void vi.advanceTimersByTime(DELIVERY_WINDOW_MS + 1));
    await type(root, 'secret');
    await blur();
    expect(stolen()).not.toBeNull();
    await refocus(); // the content script hands the focus back: the warning stays until Continue
    expect(stolen()).not.toBeNull();
  });

  it('Enter pressed again while the previous message is still being encrypted: both go out, in order', async () => {
    const replies: (() => void)[] = [];
    const api = fakeApi((req) => {
      if (req.type === 'compose/claim') return job([bob, me]);
      return new Promise((resolve) => replies.push(() => resolve({ messageId: `m${replies.length}`, parts: 1 })));
    });
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    for (const text of ['one', 'two', 'three']) {
      enter(await type(root, text));
      await settle();
      expect(root.querySelector('textarea')!.value).toBe(''); // the box is free for the next one at once
    }
    expect(submits(api)).toEqual(['one']); // one submit at a time
    for (let i = 0; i < 3; i++) {
      await act(() => replies[i]!());
      await settle();
    }
    expect(submits(api)).toEqual(['one', 'two', 'three']);
  });

  it('queued messages that cannot be sent go back into the box, none lost', async () => {
    let fail: (() => void) | undefined;
    const api = fakeApi((req) => {
      if (req.type === 'compose/claim') return job([bob, me]);
      return new Promise((_, reject) => (fail = () => reject(new Error('offline'))));
    });
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    enter(await type(root, 'one'));
    await settle();
    enter(await type(root, 'two'));
    await type(root, 'draft');
    await act(() => fail!());
    await settle();
    expect(root.querySelector('textarea')!.value).toBe('one\ntwo\ndraft');
    expect(submits(api)).toEqual(['one']);
  });

  it('re-reads who can read on a status push, and every few seconds while shown (someone joined)', async () => {
    let now: RecipientView[] = [bob, me];
    const api = fakeApi((req) => (req.type === 'compose/claim' ? job([bob, me]) : { recipients: now }));
    let pushed: (() => void) | undefined;
    const onStatusPush = (cb: () => void) => {
      pushed = cb;
      return () => (pushed = undefined);
    };
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never, onStatusPush }), root);
    const summary = () => root.querySelector('.oc-recipients summary')!.textContent!;
    expect(summary()).not.toContain('without a key');

    // bob verified in the popup: the worker pushes, the list follows.
    now = [{ ...bob, state: 'verified' }, me];
    await act(() => pushed!());
    await settle();
    expect(root.querySelector('li[data-identity="bob@net"]')!.getAttribute('data-state')).toBe('verified');
    expect(api.calls.filter((c) => c.type === 'compose/approve').at(-1)).toEqual({ type: 'compose/approve', jobId: 'job1', cardIds: [] });

    // carol joins the channel (no push: the page context changed): the poll picks her up.
    now = [{ ...bob, state: 'verified' }, carol, me];
    await act(() => void vi.advanceTimersByTime(RECIPIENTS_POLL_MS));
    await settle();
    expect(summary()).toContain('1 without a key');
  });

  it('a failing background re-read keeps the list and shows no error', async () => {
    let fail = false;
    const api = fakeApi((req) => {
      if (req.type === 'compose/claim') return job([bob, me]);
      if (fail) throw new Error('offline');
      return { recipients: [bob, me] };
    });
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    fail = true;
    await act(() => void vi.advanceTimersByTime(RECIPIENTS_POLL_MS));
    await settle();
    expect(root.querySelector('.oc-notice')).toBeNull();
    expect(root.querySelector('.oc-recipients')!.getAttribute('data-people')).toBe('2');
  });
});
