// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../lib/api';
import { createAdapter, THE_LOUNGE } from '../../../lib/sites';
import { DisplayManager } from '../../../entrypoints/content/display';
import { locatorFor } from '../../../entrypoints/content/site';
import { fakeApi } from '../frames/support';
import { loadLounge } from './lounge-page';
import { armorOf, armorParts, ManualScheduler } from './support';

async function repliesDelivered(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup() {
  let n = 0;
  const api = fakeApi((req: ApiRequest) => (req.type === 'armor/found' ? { handle: `handle${String(++n).padStart(18, '0')}` } : {}));
  const sched = new ManualScheduler();
  const dm = new DisplayManager({
    api,
    doc: document,
    root: document.body,
    locator: locatorFor(createAdapter(THE_LOUNGE)),
    scheduler: sched,
    host: '127.0.0.1:9000',
    conversationId: () => 'overcryptnet/group/#overcrypt',
    frameUrl: (h) => `chrome-extension://dyn/display-frame.html#${h}`,
    MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
  });
  return { api, sched, dm };
}

let current: DisplayManager | undefined;
afterEach(() => current?.stop());

describe('content script display', () => {
  it('replaces each armored message with a display frame; sends only ciphertext and page claims to the worker', async () => {
    const a = armorOf(120, 1);
    const long = armorParts(700, 340, 2);
    loadLounge([
      { from: 'alice', html: `${a.slice(0, 15)}<span class="user">${a.slice(15, 25)}</span>${a.slice(25)}` },
      { from: 'carol', html: 'plain <b>hello</b>' },
      ...long.map((p) => ({ from: 'alice', html: p })),
    ]);
    const { api, sched, dm } = setup();
    current = dm;
    dm.start();
    sched.drain();
    await repliesDelivered();
    const found = api.calls.filter((c) => c.type === 'armor/found');
    expect(found).toEqual([
      { type: 'armor/found', host: '127.0.0.1:9000', conversationId: 'overcryptnet/group/#overcrypt', pageAuthor: 'alice', parts: [a] },
      { type: 'armor/found', host: '127.0.0.1:9000', conversationId: 'overcryptnet/group/#overcrypt', pageAuthor: 'alice', parts: long },
    ]);
    const frames = [...document.querySelectorAll('iframe[data-overcrypt="display-frame"]')] as HTMLIFrameElement[];
    expect(frames.map((f) => f.getAttribute('src'))).toEqual([
      'chrome-extension://dyn/display-frame.html#handle000000000000000001',
      'chrome-extension://dyn/display-frame.html#handle000000000000000002',
    ]);
    // Same armor length -> same frame height, whatever the decrypt outcome will be.
    expect(frames[0]!.style.height).toMatch(/^\d+px$/);
    const msgs = [...document.querySelectorAll('.msg')] as HTMLElement[];
    expect((msgs[0]!.querySelector('.content') as HTMLElement).style.display).toBe('none');
    expect((msgs[1]!.querySelector('.content') as HTMLElement).style.display).toBe('');
    expect(msgs.slice(3).every((m) => m.style.display === 'none')).toBe(true); // later parts hidden
    expect(api.calls.some((c) => c.type === 'display/fetch')).toBe(false);
  });

  it('re-applies frames when the site re-renders the conversation (channel switch)', async () => {
    const a = armorOf(90, 3);
    loadLounge([{ from: 'alice', html: a }]);
    const { api, sched, dm } = setup();
    current = dm;
    dm.start();
    sched.drain();
    await repliesDelivered();
    const messages = document.querySelector('.messages')!;
    const html = `<div class="msg" data-type="message" data-from="alice"><span class="content">${a}</span></div>`;
    messages.innerHTML = '';
    await repliesDelivered();
    messages.innerHTML = html;
    await repliesDelivered();
    sched.drain();
    await repliesDelivered();
    expect(api.calls.filter((c) => c.type === 'armor/found')).toHaveLength(2);
    expect(document.querySelectorAll('iframe[data-overcrypt]')).toHaveLength(1);
  });

  it('after an unlock, every shown message gets a fresh frame (handles answered "locked" are used up)', async () => {
    loadLounge([{ from: 'alice', html: armorOf(90, 4) }, { from: 'bob', html: armorOf(70, 6) }]);
    const { api, sched, dm } = setup();
    current = dm;
    dm.start();
    sched.drain();
    await repliesDelivered();
    const before = [...document.querySelectorAll('iframe')].map((f) => f.getAttribute('src'));
    dm.refreshAll();
    sched.drain();
    await repliesDelivered();
    const after = [...document.querySelectorAll('iframe')].map((f) => f.getAttribute('src'));
    expect(after).toHaveLength(2);
    expect(after.filter((u) => before.includes(u))).toEqual([]);
    expect(api.calls.filter((c) => c.type === 'job/release')).toHaveLength(2);
  });

  it('a rescan (after an unlock) keeps frames that have a handle and frames only armor the worker refused', async () => {
    loadLounge([{ from: 'alice', html: armorOf(90, 4) }, { from: 'bob', html: armorOf(70, 6) }]);
    let n = 0;
    const api = fakeApi((req: ApiRequest) => {
      if (req.type !== 'armor/found') return {};
      if (++n === 2) throw new Error('worker busy'); // the second message is refused once
      return { handle: `handle${String(n).padStart(18, '0')}` };
    });
    const sched = new ManualScheduler();
    const dm = new DisplayManager({
      api, doc: document, root: document.body, locator: locatorFor(createAdapter(THE_LOUNGE)), scheduler: sched,
      host: 'h', conversationId: () => undefined, frameUrl: (h) => `x:${h}`,
      MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
    });
    current = dm;
    dm.start();
    sched.drain();
    await repliesDelivered();
    expect([...document.querySelectorAll('iframe')].map((f) => f.getAttribute('src'))).toEqual(['x:handle000000000000000001']);
    dm.rescan();
    sched.drain();
    await repliesDelivered();
    expect([...document.querySelectorAll('iframe')].map((f) => f.getAttribute('src'))).toEqual(['x:handle000000000000000001', 'x:handle000000000000000003']);
    expect(api.calls.filter((c) => c.type === 'job/release')).toHaveLength(0);
  });

  it('while the worker refuses (locked), every part of the armor stays visible', async () => {
    const long = armorParts(700, 340, 9);
    loadLounge(long.map((p) => ({ from: 'alice', html: p })));
    const { OvercryptError, ErrorCode } = await import('../../../lib/errors');
    const api = fakeApi(() => {
      throw new OvercryptError(ErrorCode.Locked, 'locked');
    });
    const sched = new ManualScheduler();
    const dm = new DisplayManager({
      api, doc: document, root: document.body, locator: locatorFor(createAdapter(THE_LOUNGE)), scheduler: sched,
      host: 'h', conversationId: () => undefined, frameUrl: (h) => `x:${h}`,
      MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
    });
    current = dm;
    dm.start();
    sched.drain();
    await repliesDelivered();
    expect(api.calls.filter((c) => c.type === 'armor/found')).toHaveLength(1);
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
    for (const m of document.querySelectorAll('.msg')) {
      expect((m as HTMLElement).style.display).toBe('');
      expect((m.querySelector('.content') as HTMLElement).style.display).toBe('');
    }
  });

  it('stop() restores the page and releases the jobs', async () => {
    loadLounge([{ from: 'alice', html: armorOf(90, 5) }]);
    const { api, sched, dm } = setup();
    dm.start();
    sched.drain();
    await repliesDelivered();
    dm.stop();
    await repliesDelivered();
    expect(document.querySelector('[data-overcrypt]')).toBeNull();
    expect((document.querySelector('.content') as HTMLElement).style.display).toBe('');
    expect(api.calls.filter((c) => c.type === 'job/release')).toHaveLength(1);
  });
});
