/**
 * Test kit for the views: a fake ApiClient that records requests and answers from handlers, a fake UiEnv, the
 * real English messages, and small DOM helpers that find controls the way a user (or a screen reader) does:
 * by their label or role and text.
 */
import { render, type VNode } from 'preact';
import { act } from 'preact/test-utils';
import type { ApiClient, RequestOf, RequestType, ResponseOf, Status } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import type { UiEnv } from '../../../components/context';
import { lookupFromMessages, setMessageLookup, type MessagesJson } from '../../../components/i18n';

import messagesJson from '../../../public/_locales/en/messages.json';

export const MESSAGES = messagesJson as MessagesJson;

export function installMessages(): void {
  setMessageLookup(lookupFromMessages(MESSAGES));
}

type Handler<K extends RequestType> = (req: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>;
export type Handlers = { [K in RequestType]?: Handler<K> };

export interface FakeApi {
  api: ApiClient;
  calls: Array<{ type: string } & Record<string, unknown>>;
  callsOf<K extends RequestType>(type: K): RequestOf<K>[];
  handlers: Handlers;
}

/** Requests without a handler fail with NotFound, so a test sees an unexpected request as an error on screen. */
export function fakeApi(handlers: Handlers): FakeApi {
  const calls: FakeApi['calls'] = [];
  const api: ApiClient = {
    async call<K extends RequestType>(request: RequestOf<K>): Promise<ResponseOf<K>> {
      calls.push(structuredClone(request) as FakeApi['calls'][number]);
      const h = handlers[request.type] as Handler<K> | undefined;
      if (!h) throw new OvercryptError(ErrorCode.NotFound, `no fake handler for ${request.type}`);
      return h(request);
    },
  };
  return {
    api,
    calls,
    handlers,
    callsOf: <K extends RequestType>(type: K) => calls.filter((c) => c.type === type) as unknown as RequestOf<K>[],
  };
}

export function fakeEnv(overrides: Partial<UiEnv> = {}): UiEnv {
  return {
    currentTab: async () => null,
    requestHostPermission: async () => true,
    openPage: () => undefined,
    now: () => Date.UTC(2026, 10, 25, 9, 0, 0),
    ...overrides,
  };
}

export const DIRECTORY = { url: 'http://127.0.0.1:8787', online: true, queued: 0 };

export function status(patch: Partial<Status> = {}): Status {
  return {
    registered: true,
    locked: false,
    identity: 'alice@irc.test',
    deviceCardId: 'c'.repeat(64),
    fingerprint: '0a1b2c3d4e5f6a7b',
    directory: DIRECTORY,
    autoLockMinutes: 15,
    ...patch,
  };
}

// ---- DOM

let container: HTMLElement | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function mount(vnode: VNode<any>): Promise<HTMLElement> {
  unmount();
  container = document.createElement('div');
  document.body.appendChild(container);
  await act(() => render(vnode, container!));
  return container;
}

export function unmount(): void {
  if (!container) return;
  render(null, container);
  container.remove();
  container = undefined;
}

/** Re-checks after each macrotask until `check` passes (returns a value) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n--- DOM ---\n${document.body.innerHTML.slice(0, 3000)}`);
    }
    await act(() => new Promise<void>((r) => setTimeout(r, 0)));
  }
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

export function text(root: ParentNode = document.body): string {
  return norm((root as HTMLElement).textContent);
}

/** The control whose <label> (or aria-label) is exactly `label`. */
/** Typed as an input: the common case; selects and buttons share the properties the tests read. */
export function byLabel(label: string, root: ParentNode = document.body): HTMLInputElement {
  for (const l of Array.from(root.querySelectorAll('label'))) {
    if (norm(l.textContent) === label) {
      const id = l.getAttribute('for');
      const el = id ? document.getElementById(id) : l.querySelector('input,select,textarea');
      if (el) return el as HTMLInputElement;
    }
  }
  const aria = Array.from(root.querySelectorAll('[aria-label]')).find((e) => e.getAttribute('aria-label') === label);
  if (aria) return aria as HTMLInputElement;
  throw new Error(`no control labelled "${label}"`);
}

export function queryButton(name: string, root: ParentNode = document.body): HTMLButtonElement | undefined {
  return Array.from(root.querySelectorAll('button')).find(
    (b) => norm(b.getAttribute('aria-label')) === name || norm(b.textContent) === name,
  ) as HTMLButtonElement | undefined;
}

export function button(name: string, root: ParentNode = document.body): HTMLButtonElement {
  const b = queryButton(name, root);
  if (!b) throw new Error(`no button "${name}" in: ${text(root).slice(0, 500)}`);
  return b;
}

export async function click(el: HTMLElement): Promise<void> {
  await act(() => el.click());
}

export async function type(el: HTMLInputElement, value: string): Promise<void> {
  await act(() => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export async function key(el: HTMLElement, k: string): Promise<void> {
  await act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  });
}

/** The message text for a key, with substitutions, as the UI shows it. */
export function msg(key: string, ...subs: Array<string | number>): string {
  return lookupFromMessages(MESSAGES)(key, subs.map(String));
}

/** Every form control must have an accessible name (label, aria-label or aria-labelledby). */
export function unlabelledControls(root: ParentNode = document.body): string[] {
  const bad: string[] = [];
  for (const el of Array.from(root.querySelectorAll('input, select, textarea, button'))) {
    const e = el as HTMLElement;
    if (e.getAttribute('type') === 'hidden') continue;
    const id = e.getAttribute('id');
    const labelled =
      (id && root.querySelector(`label[for="${id}"]`)) ||
      e.closest('label') ||
      norm(e.getAttribute('aria-label')) ||
      e.getAttribute('aria-labelledby') ||
      (e.tagName === 'BUTTON' && norm(e.textContent));
    if (!labelled) bad.push(e.outerHTML.slice(0, 120));
  }
  return bad;
}
