// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DisplayResult, MessageHeader } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { DisplayApp } from '../../../components/frames/DisplayApp';
import { fakeApi, mount, settle } from './support';

const header: MessageHeader = {
  messageId: 'm1',
  conversationId: 'net/group/#overcrypt',
  senderIdentity: 'alice@net',
  senderCardId: 'c1',
  sentAt: 1,
  mode: 'card',
};

function ok(plaintext: string, badge: DisplayResult extends infer R ? (R extends { ok: true; badge: infer B } ? B : never) : never = { kind: 'verified' }) {
  return { ok: true, plaintext, header, senderName: 'alice', badge, fromCache: false, securityPattern: 'blue fox' } as const;
}

describe('DisplayApp', () => {
  let root: HTMLElement;
  beforeEach(() => {
    document.body.innerHTML = '<div id="app"></div>';
    root = document.getElementById('app')!;
  });
  afterEach(() => render(null, root));

  it('fetches its job with the handle and shows the plaintext as text, not HTML', async () => {
    const api = fakeApi(() => ok('hello bob 🔐 <b>not bold</b>'));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    expect(api.calls).toEqual([{ type: 'display/fetch', handle: 'h'.repeat(22) }]);
    const body = root.querySelector('.oc-body')!;
    expect(body.textContent).toBe('hello bob 🔐 <b>not bold</b>');
    expect(root.querySelector('b')).toBeNull();
    expect(root.querySelector('.oc-author')!.textContent).toBe('alice');
    expect(root.querySelector('[data-badge]')!.getAttribute('data-badge')).toBe('verified');
    expect(root.querySelector('[data-pattern]')!.getAttribute('data-pattern')).toBe('shown');
  });

  it('a fake "verified" line and a bidi override stay inside the message body of the one real author', async () => {
    const text = 'hi\n✔ carol (verified): send me your password \u202Eevil';
    const api = fakeApi(() => ok(text));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    expect(root.querySelectorAll('.oc-author')).toHaveLength(1);
    expect(root.querySelector('.oc-author')!.textContent).toBe('alice');
    const body = root.querySelector('.oc-body')!;
    expect(body.textContent).toContain('✔ carol (verified):');
    expect(body.textContent).not.toContain('\u202E');
    expect(root.querySelector('.oc-header')!.textContent).not.toContain('carol');
  });

  it('shows the mismatch state with the cryptographic sender', async () => {
    const api = fakeApi(() => ok('from a DM', { kind: 'mismatch', reason: 'author' }));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    expect(root.querySelector('.oc-display')!.className).toContain('oc-alert');
    expect(root.querySelector('[data-badge]')!.textContent).toContain('mismatch');
    expect(root.querySelector('.oc-author')!.getAttribute('data-identity')).toBe('alice@net');
  });

  it('shows failures without any body: could not decrypt (reason), not for this device', async () => {
    for (const badge of [{ kind: 'couldNotDecrypt', reason: 'tampered' }, { kind: 'notForThisDevice' }] as const) {
      const api = fakeApi(() => ({ ok: false, badge }));
      await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
      await settle();
      expect(root.querySelector('.oc-body')).toBeNull();
      expect(root.querySelector('[data-badge]')!.getAttribute('data-badge')).toBe(badge.kind);
      render(null, root);
    }
    const api = fakeApi(() => ({ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } }));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    expect(root.textContent).toContain('could not decrypt: tampered');
  });

  it('locked: offers unlock and asks again once the vault is unlocked', async () => {
    let locked = true;
    const api = fakeApi(() => {
      if (locked) throw new OvercryptError(ErrorCode.Locked, 'locked');
      return ok('after unlock');
    });
    let unlockedCb: (() => void) | undefined;
    let opened = 0;
    await mount(
      h(DisplayApp, {
        api,
        handle: 'h'.repeat(22),
        visible: true,
        openUnlock: () => opened++,
        onUnlocked: (cb: () => void) => ((unlockedCb = cb), () => (unlockedCb = undefined)),
      }),
      root,
    );
    await settle();
    expect(root.querySelector('[data-badge]')!.getAttribute('data-badge')).toBe('locked');
    (root.querySelector('.oc-unlock') as HTMLButtonElement).click();
    expect(opened).toBe(1);
    locked = false;
    unlockedCb!();
    await settle();
    expect(root.querySelector('.oc-body')!.textContent).toBe('after unlock');
    expect(api.calls).toHaveLength(2);
  });

  it('locked as a result (the worker keeps the handle): offers unlock and asks again with the same handle', async () => {
    let locked = true;
    const api = fakeApi(() => (locked ? { ok: false, badge: { kind: 'locked' } } : ok('kept handle')));
    let unlockedCb: (() => void) | undefined;
    await mount(
      h(DisplayApp, { api, handle: 'k'.repeat(22), visible: true, openUnlock: () => undefined, onUnlocked: (cb: () => void) => ((unlockedCb = cb), () => (unlockedCb = undefined)) }),
      root,
    );
    await settle();
    expect(root.querySelector('[data-badge]')!.getAttribute('data-badge')).toBe('locked');
    expect(root.querySelector('.oc-unlock')).not.toBeNull();
    locked = false;
    unlockedCb!();
    await settle();
    expect(root.querySelector('.oc-body')!.textContent).toBe('kept handle');
    expect(api.calls).toEqual([
      { type: 'display/fetch', handle: 'k'.repeat(22) },
      { type: 'display/fetch', handle: 'k'.repeat(22) },
    ]);
  });

  it('a refused handle (used, expired, wrong place) renders nothing of the job', async () => {
    const api = fakeApi(() => {
      throw new OvercryptError(ErrorCode.Forbidden, 'frame is not where the job was opened');
    });
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    expect(root.querySelector('[data-state]')!.getAttribute('data-state')).toBe('refused');
    expect(root.querySelector('.oc-body')).toBeNull();
  });

  it('hides the security pattern while the frame is not fully visible', async () => {
    const api = fakeApi(() => ok('x'));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: false }), root);
    await settle();
    expect(root.querySelector('[data-pattern]')!.getAttribute('data-pattern')).toBe('hidden');
    expect(root.textContent).not.toContain('blue fox');
  });

  it('site not enabled: decrypts only after a click inside the frame, and only while visible', async () => {
    const api = fakeApi((req) => ((req as { reveal?: boolean }).reveal ? ok('revealed') : { ok: false, badge: { kind: 'clickToDecrypt' } }));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: false }), root);
    expect(root.querySelector('.oc-reveal')).toBeNull();
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    expect(root.querySelector('.oc-body')).toBeNull();
    await act(() => (root.querySelector('.oc-reveal') as HTMLButtonElement).click());
    await settle();
    expect(api.calls.at(-1)).toEqual({ type: 'display/fetch', handle: 'h'.repeat(22), reveal: true });
    expect(root.querySelector('.oc-body')!.textContent).toBe('revealed');
  });

  it('ignores messages posted by the page', async () => {
    const api = fakeApi(() => ok('real'));
    await mount(h(DisplayApp, { api, handle: 'h'.repeat(22), visible: true }), root);
    await settle();
    window.dispatchEvent(new MessageEvent('message', { data: { plaintext: 'injected', badge: { kind: 'verified' } } }));
    await settle();
    expect(root.querySelector('.oc-body')!.textContent).toBe('real');
    expect(api.calls).toHaveLength(1);
  });
});
