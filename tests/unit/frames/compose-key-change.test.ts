// @vitest-environment happy-dom
/** The compose frame after a recipient's identity key changed (issue 6): refuses to send until verified again. */
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest, ComposeJob, RecipientView } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { ComposeApp } from '../../../components/frames/ComposeApp';
import { fakeApi, mount, settle } from './support';

const HANDLE = 'c'.repeat(22);
const me: RecipientView = { identity: 'alice@net', handle: 'alice', state: 'verified', devices: [{ cardId: 'a1', identity: 'alice@net', fingerprint: 'AAAA', createdAt: 1, thisDevice: true }] };
const bobBefore: RecipientView = { identity: 'bob@net', handle: 'bob', state: 'verified', devices: [{ cardId: 'b1', identity: 'bob@net', fingerprint: 'BBBB', createdAt: 1 }] };
const bobChanged: RecipientView = { identity: 'bob@net', handle: 'bob', state: 'keyChanged', devices: [] };
const bobAgain: RecipientView = { identity: 'bob@net', handle: 'bob', state: 'verified', devices: [{ cardId: 'b2', identity: 'bob@net', fingerprint: 'CCCC', createdAt: 2, approved: false }] };

const job = (r: RecipientView[]): ComposeJob => ({ jobId: 'job1', conversation: { id: '#c', kind: 'channel' }, mode: 'card', recipients: r, maxPartLength: 340 });

class FocusTarget extends EventTarget {}

describe('ComposeApp after a key change', () => {
  let root: HTMLElement;
  beforeEach(() => {
    document.body.innerHTML = '<div id="app"></div>';
    root = document.getElementById('app')!;
  });
  afterEach(() => render(null, root));

  it('a refused send shows the key change and blocks; "check" after verifying again shows the new device to approve', async () => {
    let bob = bobChanged;
    const api = fakeApi((req: ApiRequest) => {
      if (req.type === 'compose/claim') return job([bobBefore, me]);
      if (req.type === 'compose/submit') throw new OvercryptError(ErrorCode.IdentityKeyChanged, 'verify again');
      if (req.type === 'compose/approve') return { recipients: [bob, me] };
      throw new Error(req.type);
    });
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: new FocusTarget() as never }), root);
    const ta = root.querySelector('textarea')!;
    await act(() => {
      ta.value = 'hello';
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => void ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true })));
    await settle();
    expect(root.querySelector('[data-warning="keyChanged"]')).not.toBeNull();
    expect(root.querySelector('.oc-compose')!.getAttribute('data-state')).toBe('blocked');
    expect(ta.value).toBe('hello');
    expect(api.calls.filter((c) => c.type === 'compose/approve')).toEqual([{ type: 'compose/approve', jobId: 'job1', cardIds: [] }]);
    // Enter while blocked sends nothing more.
    await act(() => void ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true })));
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/submit')).toHaveLength(1);

    bob = bobAgain; // the user verified bob again in the popup
    await act(() => (root.querySelector('button.oc-recheck') as HTMLButtonElement).click());
    await settle();
    expect(root.querySelector('[data-warning="keyChanged"]')).toBeNull();
    expect(root.querySelector('[data-warning="unapproved"]')).not.toBeNull();
    expect(root.querySelector('button.oc-approve')!.textContent).toContain('Approve 1 new device');
  });

  it('coming back to the frame (focus) checks again while a key change is shown', async () => {
    let bob = bobChanged;
    const focus = new FocusTarget();
    const api = fakeApi((req: ApiRequest) => {
      if (req.type === 'compose/claim') return job([bobChanged, me]);
      if (req.type === 'compose/approve') return { recipients: [bob, me] };
      throw new Error(req.type);
    });
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: focus as never }), root);
    expect(root.querySelector('[data-warning="keyChanged"]')).not.toBeNull();
    bob = bobAgain;
    await act(() => void focus.dispatchEvent(new Event('focus')));
    await settle();
    expect(root.querySelector('[data-warning="keyChanged"]')).toBeNull();
    expect(api.calls.filter((c) => c.type === 'compose/approve')).toHaveLength(1);
    // No key change shown: focus asks nothing.
    await act(() => void focus.dispatchEvent(new Event('focus')));
    await settle();
    expect(api.calls.filter((c) => c.type === 'compose/approve')).toHaveLength(1);
  });

  it('a recipient already changed when the frame opens: blocked from the start', async () => {
    const api = fakeApi((req: ApiRequest) => (req.type === 'compose/claim' ? job([bobChanged, me]) : undefined));
    await mount(h(ComposeApp, { api, handle: HANDLE, visible: true, focus: new FocusTarget() as never }), root);
    expect(root.querySelector('[data-warning="keyChanged"]')!.textContent).toContain('identity key changed');
    expect(root.querySelector('.oc-compose')!.getAttribute('data-state')).toBe('blocked');
  });
});
