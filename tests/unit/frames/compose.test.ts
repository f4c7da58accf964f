// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest, ComposeJob, RecipientView } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { ComposeApp } from '../../../components/frames/ComposeApp';
import { fakeApi, mount, settle } from './support';

const HANDLE = 'c'.repeat(22);

function recipients(approved = true): RecipientView[] {
  return [
    { identity: 'alice@net', handle: 'alice', state: 'verified', devices: [{ cardId: 'a1', identity: 'alice@net', fingerprint: 'AAAA', createdAt: 1, thisDevice: true }] },
    {
      identity: 'bob@net',
      handle: 'bob',
      state: 'firstSeen',
      devices: [
        { cardId: 'b1', identity: 'bob@net', fingerprint: 'BBBB', createdAt: 1 },
        { cardId: 'b2', identity: 'bob@net', fingerprint: 'CCCC', createdAt: 2, approved: approved ? undefined : false },
      ],
    },
    { identity: '', handle: 'carol', state: 'noCard', devices: [] },
  ];
}

function job(r = recipients()): ComposeJob {
  return { jobId: 'job1', conversation: { id: 'net/group/#overcrypt', title: '#overcrypt', kind: 'channel' }, mode: 'card', recipients: r, securityPattern: 'blue fox', maxPartLength: 340 };
}

class FocusTarget extends EventTarget {}

function key(el: Element, k: string, shiftKey = false): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true });
  el.dispatchEvent(e);
  return e;
}

async function type(ta: HTMLTextAreaElement, text: string): Promise<void> {
  await act(() => {
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

describe('ComposeApp', () => {
  let root: HTMLElement;
  let focus: FocusTarget;
  beforeEach(() => {
    document.body.innerHTML = '<div id="app"></div>';
    root = document.getElementById('app')!;
    focus = new FocusTarget();
  });
  afterEach(() => render(null, root));

  function setup(handler: (req: ApiRequest) => unknown, visible = true) {
    const api = fakeApi(handler);
    return { api, el: h(ComposeApp, { api, handle: HANDLE, visible, focus: focus as never }) };
  }

  it('claims the job, lists who can read, and sends on Enter straight to the worker', async () => {
    const { api, el } = setup((req) => (req.type === 'compose/claim' ? job() : { messageId: 'm1', parts: 1 }));
    await mount(el, root);
    expect(api.calls[0]).toEqual({ type: 'compose/claim', handle: HANDLE });
    const summary = root.querySelector('.oc-recipients summary')!.textContent!;
    expect(summary).toContain('2 people');
    expect(summary).toContain('3 devices');
    expect(summary).toContain('1 without a key');
    const ta = root.querySelector('textarea')!;
    await type(ta, 'hello bob 🔐 <b>not bold</b>');
    const e = key(ta, 'Enter');
    expect(e.defaultPrevented).toBe(true);
    await settle();
    expect(api.calls[1]).toEqual({ type: 'compose/submit', jobId: 'job1', plaintext: 'hello bob 🔐 <b>not bold</b>' });
    expect((root.querySelector('textarea') as HTMLTextAreaElement).value).toBe('');
  });

  it('puts the focus into its text box when the frame receives the focus', async () => {
    const { el } = setup(() => job());
    await mount(el, root);
    await act(() => void focus.dispatchEvent(new Event('focus')));
    expect(document.activeElement).toBe(root.querySelector('textarea'));
  });

  it('the vault locking hides the draft and refuses sending; unlocking shows the same draft again', async () => {
    const api = fakeApi((req) => (req.type === 'compose/claim' ? job() : { messageId: 'm1', parts: 1 }));
    let lockCb: ((locked: boolean) => void) | undefined;
    const onLockChange = (cb: (locked: boolean) => void) => ((lockCb = cb), () => (lockCb = undefined));
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never, onLockChange }), root);
    const ta = () => root.querySelector('textarea') as HTMLTextAreaElement;
    await type(ta(), 'half-written secret');
    await act(() => lockCb!(true));
    expect(ta().value).toBe('');
    expect(ta().readOnly).toBe(true);
    expect(root.textContent).not.toContain('half-written secret');
    expect(root.querySelector('[data-warning="locked"]')).not.toBeNull();
    expect(key(ta(), 'Enter').defaultPrevented).toBe(true);
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(0);
    await act(() => lockCb!(false));
    expect(ta().value).toBe('half-written secret');
    expect(ta().readOnly).toBe(false);
    expect(root.querySelector('[data-warning="locked"]')).toBeNull();
  });

  it('Shift+Enter is a newline, not a send', async () => {
    const { api, el } = setup(() => job());
    await mount(el, root);
    const ta = root.querySelector('textarea')!;
    await type(ta, 'line 1');
    const e = key(ta, 'Enter', true);
    expect(e.defaultPrevented).toBe(false);
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(0);
  });

  it('refuses keys while the frame is covered or not fully visible, and says so', async () => {
    const { api, el } = setup(() => job(), false);
    await mount(el, root);
    const ta = root.querySelector('textarea')!;
    expect(key(ta, 'a').defaultPrevented).toBe(true);
    expect(key(ta, 'Enter').defaultPrevented).toBe(true);
    await settle();
    expect(root.querySelector('[data-warning="covered"]')).not.toBeNull();
    expect(root.querySelector('[data-pattern]')!.getAttribute('data-pattern')).toBe('hidden');
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(0);
  });

  it('focus stolen while typing: warning, Enter sends nothing until the user clicks Continue', async () => {
    const { api, el } = setup((req) => (req.type === 'compose/claim' ? job() : { messageId: 'm1', parts: 2 }));
    await mount(el, root);
    const ta = root.querySelector('textarea')!;
    await type(ta, 'secret');
    await act(() => void focus.dispatchEvent(new Event('blur')));
    expect(root.querySelector('[data-warning="focusStolen"]')).not.toBeNull();
    key(ta, 'Enter');
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(0);
    await act(() => (root.querySelector('.oc-continue') as HTMLButtonElement).click());
    key(root.querySelector('textarea')!, 'Enter');
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(1);
    expect(root.querySelector('.oc-notice')!.textContent).toContain('2 parts');
  });

  it('new devices must be approved by a click before anything is sent', async () => {
    const { api, el } = setup((req) => {
      if (req.type === 'compose/claim') return job(recipients(false));
      if (req.type === 'compose/approve') return { recipients: recipients(true) };
      return { messageId: 'm1', parts: 1 };
    });
    await mount(el, root);
    expect(root.querySelector('[data-warning="unapproved"]')).not.toBeNull();
    const ta = root.querySelector('textarea')!;
    await type(ta, 'hi');
    key(ta, 'Enter');
    await settle();
    expect(api.calls.some((c) => c.type === 'compose/submit')).toBe(false);
    await act(() => (root.querySelector('.oc-approve') as HTMLButtonElement).click());
    await settle();
    expect(api.calls.find((c) => c.type === 'compose/approve')).toEqual({ type: 'compose/approve', jobId: 'job1', cardIds: ['b2'] });
    expect(root.querySelector('[data-warning="unapproved"]')).toBeNull();
    key(root.querySelector('textarea')!, 'Enter');
    await settle();
    expect(api.calls.some((c) => c.type === 'compose/submit')).toBe(true);
  });

  it('a send the worker blocked (site box changed) shows the warning and keeps the text', async () => {
    const { el } = setup((req) => {
      if (req.type === 'compose/claim') return job();
      throw new OvercryptError(ErrorCode.ComposeBlocked, 'blocked');
    });
    await mount(el, root);
    const ta = root.querySelector('textarea')!;
    await type(ta, 'keep me');
    key(ta, 'Enter');
    await settle();
    expect(root.querySelector('[data-warning="siteBoxChanged"]')).not.toBeNull();
    expect((root.querySelector('textarea') as HTMLTextAreaElement).value).toBe('keep me');
    expect((root.querySelector('textarea') as HTMLTextAreaElement).readOnly).toBe(true);
  });

  it('a refused claim shows no compose box', async () => {
    const { el } = setup(() => {
      throw new OvercryptError(ErrorCode.NotFound, 'gone');
    });
    await mount(el, root);
    expect(root.querySelector('textarea')).toBeNull();
    expect(root.querySelector('[data-state="refused"]')).not.toBeNull();
  });
});
