// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRequest, PageStatus, WorkerPush } from '../../../lib/api';
import { API_TAG } from '../../../lib/api';
import { createAdapter, THE_LOUNGE } from '../../../lib/sites';
import { PageController } from '../../../entrypoints/content/controller';
import { chipText } from '../../../entrypoints/content/status-chip';
import { fakeApi } from '../frames/support';
import { loadLounge } from './lounge-page';

async function settled(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const STATUS: PageStatus = {
  siteEnabled: true, siteLocked: false, mode: 'card', modeLocked: false, encryptionOn: true, locked: false, registered: true,
  recipients: { people: 2, devices: 3 }, warnings: [],
};

let controller: PageController | undefined;
afterEach(() => controller?.stop());

describe('content script controller', () => {
  it('reports the page context, opens secure compose when encryption is on, delivers pushed ciphertext, cleans up', async () => {
    loadLounge([]);
    const sent: string[] = [];
    const input = document.getElementById('input') as HTMLTextAreaElement;
    input.addEventListener('keypress', () => {
      sent.push(input.value);
      input.value = '';
    });
    const api = fakeApi((req: ApiRequest) => {
      if (req.type === 'page/context') return STATUS;
      if (req.type === 'compose/open') return { handle: 'H'.repeat(22), jobId: 'job1' };
      return {};
    });
    let push: ((p: WorkerPush) => void) | undefined;
    controller = new PageController({
      api,
      doc: document,
      win: window as unknown as Window & typeof globalThis,
      adapter: createAdapter(THE_LOUNGE),
      frameUrl: (kind, h) => `chrome-extension://dyn/${kind}-frame.html#${h}`,
      onPush: (cb) => ((push = cb), () => (push = undefined)),
      contextPollMs: 60_000,
    });
    await controller.start();
    await settled();
    const ctx = api.calls.find((c) => c.type === 'page/context');
    expect(ctx).toEqual({
      type: 'page/context',
      context: {
        host: window.location.host,
        adapterId: 'thelounge',
        namespace: 'overcryptnet',
        selfHandle: 'bob',
        conversation: { id: 'overcryptnet/group/#overcrypt', kind: 'channel', title: '#overcrypt' },
        participants: [{ handle: 'alice' }, { handle: 'bob' }],
        maxMessageLength: 340,
      },
    });
    expect(api.calls.find((c) => c.type === 'compose/open')).toEqual({ type: 'compose/open', host: window.location.host, conversationId: 'overcryptnet/group/#overcrypt' });
    expect(document.querySelector('iframe[data-overcrypt="compose-frame"]')).not.toBeNull();

    // A page script clicking our chip (untrusted event) cannot switch encryption off.
    const chipButton = document.querySelector('[data-overcrypt="chip"]')!.shadowRoot!.querySelector('button')!;
    expect(chipButton.textContent).toBe('🔒 Encrypted to 2 people · 3 devices');
    chipButton.click();
    chipButton.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settled();
    expect(api.calls.some((c) => c.type === 'page/setEncryption')).toBe(false);

    push!({ tag: API_TAG, push: 'compose/ciphertext', jobId: 'job1', output: { messageId: 'm1', parts: ['OC1Sabc'] } });
    await settled();
    expect(sent).toEqual(['OC1Sabc']);

    controller.stop();
    controller = undefined;
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
    expect(push).toBeUndefined();
  });

  it('switching conversations closes the job and opens one for the new conversation', async () => {
    loadLounge([]);
    let jobs = 0;
    const api = fakeApi((req: ApiRequest) => {
      if (req.type === 'page/context') return STATUS;
      if (req.type === 'compose/open') return { handle: 'H'.repeat(22), jobId: `job${++jobs}` };
      return {};
    });
    controller = new PageController({
      api, doc: document, win: window as unknown as Window & typeof globalThis, adapter: createAdapter(THE_LOUNGE),
      frameUrl: (k, h) => `x:${k}#${h}`, onPush: () => () => undefined, contextPollMs: 60_000,
    });
    await controller.start();
    await settled();
    document.querySelector('.chat-view')!.setAttribute('aria-label', '#other');
    window.dispatchEvent(new Event('hashchange'));
    await settled();
    const opens = api.calls.filter((c) => c.type === 'compose/open').map((c) => (c as { conversationId: string }).conversationId);
    expect(opens).toEqual(['overcryptnet/group/#overcrypt', 'overcryptnet/group/#other']);
    expect(api.calls.some((c) => c.type === 'job/release' && (c as { handleOrJobId: string }).handleOrJobId === 'job1')).toBe(true);
    expect(document.querySelectorAll('iframe[data-overcrypt="compose-frame"]')).toHaveLength(1);
  });

  it('does not open secure compose while locked or with encryption off', async () => {
    loadLounge([]);
    const api = fakeApi((req: ApiRequest) => (req.type === 'page/context' ? { ...STATUS, locked: true } : {}));
    controller = new PageController({
      api, doc: document, win: window as unknown as Window & typeof globalThis, adapter: createAdapter(THE_LOUNGE),
      frameUrl: (k, h) => `x:${k}#${h}`, onPush: () => () => undefined, contextPollMs: 60_000,
    });
    await controller.start();
    await settled();
    expect(api.calls.some((c) => c.type === 'compose/open')).toBe(false);
    expect(document.querySelector('iframe')).toBeNull();
  });
});

describe('status chip text', () => {
  const base = { compose: { kind: 'off' } as const, hasConversation: true };
  it('says who a message is encrypted to and warns', () => {
    expect(chipText({ ...base, status: STATUS })).toEqual({ text: '🔒 Encrypted to 2 people · 3 devices', tone: 'on' });
    expect(chipText({ ...base, status: { ...STATUS, warnings: [{ kind: 'noCard', handle: 'carol' }] } }).tone).toBe('warn');
    expect(chipText({ ...base, status: { ...STATUS, encryptionOn: false } }).text).toContain('Not encrypted');
    expect(chipText({ ...base, status: { ...STATUS, locked: true } }).text).toContain('locked');
    expect(chipText({ status: STATUS, hasConversation: true, compose: { kind: 'blocked', reason: 'siteBoxChanged' } }).text).toContain('Blocked');
    expect(chipText({ status: STATUS, hasConversation: true, compose: { kind: 'open', jobId: 'j', covered: true } }).text).toContain('covered');
  });
});
