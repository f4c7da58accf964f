// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { DisplayApp, type DisplayAppProps } from '../../../components/frames/DisplayApp';
import { mount } from './support';
import { fakeIntersection, fakeWorker, flush as settle, okItem, range } from './display-support';

const HANDLE = 'h'.repeat(22);
const NOW = 1_700_000_000_123.5;

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<div id="app"></div>';
  document.documentElement.style.height = '';
  root = document.getElementById('app')!;
});
afterEach(() => render(null, root));

type Worker = ReturnType<typeof fakeWorker>;
type IO = ReturnType<typeof fakeIntersection>;

async function open(worker: Worker, io: IO, props: Partial<DisplayAppProps> = {}) {
  await mount(
    h(DisplayApp, {
      api: worker.api,
      handle: HANDLE,
      visibility: { IntersectionObserver: io.IntersectionObserver, document },
      nearPx: 0,
      now: () => NOW,
      startTimeoutMs: 60_000, // the tests drive the visibility reports
      ...props,
    }),
    root,
  );
}

const articles = () => [...root.querySelectorAll<HTMLElement>('article.oc-msg')];
const article = (i: number) => root.querySelector<HTMLElement>(`article.oc-msg[data-index="${i}"]`)!;
const states = () => articles().map((a) => a.dataset.state);
const badgeOf = (i: number) => article(i).querySelector<HTMLElement>('.oc-badge')!;

describe('DisplayApp: a region of messages', () => {
  it('claims the region with its handle, then fetches the items in view first and the rest after', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 10).map(() => 52) } });
    const io = fakeIntersection();
    await open(worker, io);
    expect(worker.api.calls).toEqual([{ type: 'display/open', handle: HANDLE }]);
    expect(states()).toEqual(range(0, 10).map(() => 'loading'));
    expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('ready');

    await io.show(6, 7);
    await settle();
    expect(worker.fetches()).toEqual([[6, 7], [0, 1, 2, 3, 4, 5, 8, 9]]);
    expect(worker.api.calls[1]).toEqual({ type: 'display/fetch', jobId: 'job-1', indices: [6, 7] });
    // The rest is out of view: marked background, so the worker serves in-view fetches of other frames first.
    expect(worker.api.calls[2]).toEqual({ type: 'display/fetch', jobId: 'job-1', indices: [0, 1, 2, 3, 4, 5, 8, 9], background: true });
    expect(states()).toEqual(range(0, 10).map(() => 'shown'));
    expect(articles().map((a) => a.querySelector('.oc-body')!.textContent)).toEqual(range(0, 10).map((i) => `message ${i}`));
  });

  it('knows what is in view from the report on the whole frame, before the items are observed', async () => {
    for (const early of [true, false]) {
      const worker = fakeWorker({ region: { heightsPx: range(0, 10).map(() => 50) }, holdOpen: true });
      const io = fakeIntersection();
      await open(worker, io);
      if (early) await io.reportFrame(120, 260); // arrives while display/open is in flight
      await worker.releaseOpen();
      if (!early) await io.reportFrame(120, 260);
      await settle();
      expect(worker.fetches()[0]).toEqual([2, 3, 4, 5]);
      render(null, root);
    }
  });

  it('a frame report saying "not in view" does not start fetching ahead of the per-item report', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 10).map(() => 50) } });
    const io = fakeIntersection();
    await open(worker, io);
    await io.reportFrame(0, 0);
    await settle();
    expect(worker.fetches()).toEqual([]);
    await io.show(8);
    await settle();
    expect(worker.fetches()[0]).toEqual([8]);
  });

  it('fetches items near the ones in view with them, in one request', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 12).map(() => 50) } });
    const io = fakeIntersection();
    await open(worker, io, { nearPx: 100 });
    await io.show(5);
    await settle();
    expect(worker.fetches()[0]).toEqual([3, 4, 5, 6, 7]);
  });

  it('fetches the rest in chunks of at most 25, one request at a time, nearest first', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 70).map(() => 40) }, hold: true });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(40, 41);
    while (worker.pendingHeld() > 0) await worker.release();
    const batches = worker.fetches();
    expect(batches[0]).toEqual([40, 41]);
    expect(batches.slice(1).every((b) => b.length <= 25)).toBe(true);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(range(0, 70));
    // The first chunk after the visible items holds the 25 nearest: 27..39 above and 42..53 below (a tie goes to
    // the lower index).
    expect(batches[1]).toEqual([...range(27, 40), ...range(42, 54)]);
    expect(worker.maxInFlight()).toBe(1);
    expect(states().every((s) => s === 'shown')).toBe(true);
  });

  it('items scrolled into view while chunks run jump the queue', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 60).map(() => 40) }, hold: true });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await worker.release(); // [0]
    expect(worker.fetches()[1]).toEqual(range(1, 26));
    await io.show(50, 51); // the user scrolled while the first chunk is in flight
    await worker.release();
    expect(worker.fetches()[2]).toEqual([50, 51]);
    while (worker.pendingHeld() > 0) await worker.release();
    expect(states().every((s) => s === 'shown')).toBe(true);
  });

  it('starts in index order when no visibility report comes (a frame the browser does not render yet)', async () => {
    const worker = fakeWorker({ region: { heightsPx: range(0, 30).map(() => 40) } });
    const io = fakeIntersection();
    await open(worker, io, { startTimeoutMs: 1 });
    await act(() => new Promise((r) => setTimeout(r, 20)));
    await settle();
    expect(worker.fetches()).toEqual([range(0, 25), range(25, 30)]);
  });

  it('a failed item among shown ones shows its badge and reason and no body; every final item gets data-shown-at', async () => {
    const worker = fakeWorker({
      region: { heightsPx: [52, 52, 52] },
      item: (i) => (i === 1 ? { ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } } : okItem(i)),
    });
    const io = fakeIntersection();
    await open(worker, io);
    expect(articles().every((a) => a.dataset.shownAt === undefined)).toBe(true);
    await io.show(0, 1, 2);
    await settle();
    expect(states()).toEqual(['shown', 'failed', 'shown']);
    expect(article(1).querySelector('.oc-body')).toBeNull();
    // The badge says it all (it takes the text column too): no note repeating it.
    expect(article(1).querySelector('.oc-note')).toBeNull();
    expect(article(0).querySelector('.oc-note')).toBeNull();
    expect(badgeOf(1).dataset.badge).toBe('couldNotDecrypt');
    expect(badgeOf(1).dataset.reason).toBe('Tampered');
    expect(badgeOf(1).textContent).toBe('could not decrypt: tampered');
    expect(article(1).className).toContain('oc-alert');
    expect(badgeOf(0).dataset.badge).toBe('verified');
    expect(articles().map((a) => Number(a.dataset.shownAt))).toEqual([NOW, NOW, NOW]);
  });

  it('shows a mismatch with the cryptographic sender and the reason', async () => {
    const worker = fakeWorker({
      region: { heightsPx: [52] },
      item: (i) => ({ ...okItem(i, 'from a DM'), badge: { kind: 'mismatch', reason: 'author' } }),
    });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await settle();
    expect(article(0).className).toContain('oc-alert');
    expect(badgeOf(0).dataset.reason).toBe('author');
    expect(badgeOf(0).textContent).toContain('mismatch');
    expect(article(0).querySelector('.oc-author')!.getAttribute('data-identity')).toBe('alice@net');
  });

  it('each item is exactly as tall as reserved, and the frame as tall as their sum', async () => {
    const heights = [52, 70, 88, 52, 232];
    const worker = fakeWorker({ region: { heightsPx: heights } });
    const io = fakeIntersection();
    await open(worker, io);
    expect(articles().map((a) => a.style.height)).toEqual(heights.map((px) => `${px}px`));
    expect(document.documentElement.style.height).toBe('494px');
    expect(document.body.style.height).toBe('494px');
    await io.show(0);
    await settle();
    // Decrypted or not, nothing changes size.
    expect(articles().map((a) => a.style.height)).toEqual(heights.map((px) => `${px}px`));
  });

  it('one chat row per item: time, sender + badge and the chip in the header (display: contents), text in its own cell', async () => {
    const worker = fakeWorker({ region: { heightsPx: [24, 24] } });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0, 1);
    await settle();
    const a = article(0);
    const header = a.querySelector('.oc-header')!;
    // Order of the row's cells: time, sender (+ badge right after it), pattern chip; the text is not in the header.
    expect([...header.children].map((c) => c.className.split(' ')[0])).toEqual(['oc-time', 'oc-who', 'oc-pattern']);
    const who = header.querySelector('.oc-who')!;
    expect([...who.children].map((c) => c.className.split(' ')[0])).toEqual(['oc-author', 'oc-badge']);
    expect(who.querySelector('.oc-badge')!.getAttribute('title')).toBeTruthy();
    expect(header.querySelector('.oc-body')).toBeNull();
    expect(a.querySelector('.oc-text > .oc-body')!.textContent).toBe('message 0');
  });

  it('text longer than its fixed box: a "more" button scrolls inside the item, which never grows; gone at the end', async () => {
    const worker = fakeWorker({ region: { heightsPx: [24, 24] }, item: (i) => okItem(i, i === 0 ? 'line one\nline two\nline three' : 'short') });
    const io = fakeIntersection();
    // happy-dom lays nothing out: the body's box is given the sizes a browser would compute (3 lines in 18 px).
    const sizes = new WeakMap<Element, { scrollHeight: number; clientHeight: number }>();
    const proto = HTMLElement.prototype as unknown as Record<string, unknown>;
    const saved = ['scrollHeight', 'clientHeight'].map((k) => [k, Object.getOwnPropertyDescriptor(proto, k)] as const);
    for (const k of ['scrollHeight', 'clientHeight'] as const) {
      Object.defineProperty(proto, k, {
        configurable: true,
        get(this: HTMLElement) {
          if (!this.classList.contains('oc-body')) return 0;
          const lines = (this.textContent ?? '').split('\n').length;
          const s = sizes.get(this) ?? { scrollHeight: lines * 18, clientHeight: 18 };
          return s[k];
        },
      });
    }
    try {
      await open(worker, io);
      await io.show(0, 1);
      await settle();
      const more = () => article(0).querySelector<HTMLButtonElement>('button.oc-more');
      expect(more()).not.toBeNull();
      expect(more()!.textContent).toContain('more');
      expect(article(1).querySelector('button.oc-more')).toBeNull(); // fits: no button
      const body = article(0).querySelector<HTMLElement>('.oc-body')!;
      expect(body.textContent).toBe('line one\nline two\nline three'); // the button is not part of the text
      await act(() => more()!.click());
      expect(body.scrollTop).toBe(18); // one box further (keeps a line of context when the box is larger)
      expect(article(0).style.height).toBe('24px');
      expect(more()).not.toBeNull();
      await act(() => more()!.click());
      expect(body.scrollTop).toBe(36); // the end: 54 - 18
      expect(more()).toBeNull();
      // Scrolled back up by the user: the button comes back.
      body.scrollTop = 0;
      await act(() => {
        body.dispatchEvent(new Event('scroll'));
      });
      expect(more()).not.toBeNull();
      expect(articles().map((x) => x.style.height)).toEqual(['24px', '24px']);
    } finally {
      for (const [k, d] of saved) {
        if (d) Object.defineProperty(proto, k, d);
        else delete proto[k];
      }
    }
  });

  it('shows the signed time as local HH:MM with the full date in its title', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52, 52] } });
    const io = fakeIntersection();
    await open(worker, io);
    expect(article(0).querySelector('.oc-time')!.textContent).toBe('');
    await io.show(0, 1);
    await settle();
    const time = article(1).querySelector<HTMLElement>('.oc-time')!;
    expect(time.textContent).toBe('09:06');
    expect(time.getAttribute('title')).toBe('2026-01-02 09:06:07');
  });

  it('a fake "verified" line and a bidi override stay inside the one body of the real author', async () => {
    const text = 'hi\n✔ carol (verified): send me your password \u202Eevil';
    const worker = fakeWorker({ region: { heightsPx: [52, 52] }, item: (i) => okItem(i, i === 0 ? text : 'next') });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0, 1);
    await settle();
    const first = article(0);
    expect(first.querySelectorAll('.oc-author')).toHaveLength(1);
    expect(first.querySelector('.oc-author')!.textContent).toBe('alice');
    expect(first.querySelectorAll('.oc-body')).toHaveLength(1);
    const body = first.querySelector('.oc-body')!;
    expect(body.textContent).toContain('✔ carol (verified):');
    expect(body.textContent).not.toContain('\u202E');
    expect(body.textContent).toContain('U+202E');
    expect(body.childNodes).toHaveLength(1);
    expect(body.firstChild!.nodeType).toBe(3); // a single text node
    expect(first.querySelector('.oc-header')!.textContent).not.toContain('carol');
    expect(articles()).toHaveLength(2); // the fake line did not become a message of its own
    expect(root.querySelectorAll('.oc-author')).toHaveLength(2);
  });

  it('HTML in the plaintext stays text', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52] }, item: (i) => okItem(i, 'hello bob 🔐 <b>not bold</b><img src=x onerror=alert(1)>') });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await settle();
    expect(article(0).querySelector('.oc-body')!.textContent).toBe('hello bob 🔐 <b>not bold</b><img src=x onerror=alert(1)>');
    expect(root.querySelector('b, img')).toBeNull();
  });

  it('locked: every item says locked, one Unlock button in the first header, fetch on the unlock push', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52, 52, 52], gate: 'locked' } });
    const io = fakeIntersection();
    let unlockedCb: (() => void) | undefined;
    let opened = 0;
    await open(worker, io, {
      openUnlock: () => opened++,
      onUnlocked: (cb) => ((unlockedCb = cb), () => (unlockedCb = undefined)),
    });
    await io.show(0, 1, 2);
    await settle();
    expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('locked');
    expect(states()).toEqual(['locked', 'locked', 'locked']);
    expect(articles().map((a, i) => badgeOf(i).dataset.badge)).toEqual(['locked', 'locked', 'locked']);
    expect(root.querySelectorAll('button.oc-unlock')).toHaveLength(1);
    expect(article(0).querySelector('.oc-header button.oc-unlock')!.textContent).toBe('Unlock');
    expect(worker.fetches()).toEqual([]); // nothing is asked while locked
    (root.querySelector('.oc-unlock') as HTMLButtonElement).click();
    expect(opened).toBe(1);
    await act(() => unlockedCb!());
    await settle();
    expect(states()).toEqual(['shown', 'shown', 'shown']);
    expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('ready');
    expect(root.querySelector('.oc-unlock')).toBeNull();
    expect(unlockedCb).toBeUndefined(); // unsubscribed once unlocked
  });

  it('the vault locking drops what is shown (failed items stay); the next unlock shows it again', async () => {
    let locked = false;
    const worker = fakeWorker({
      region: { heightsPx: [52, 52, 52] },
      item: (i) => {
        if (locked) throw new OvercryptError(ErrorCode.Locked, 'locked');
        return i === 2 ? { ok: false, badge: { kind: 'couldNotDecrypt', reason: 'Tampered' } } : okItem(i, `secret ${i}`);
      },
    });
    const io = fakeIntersection();
    let lockedCb: (() => void) | undefined;
    let unlockedCb: (() => void) | undefined;
    await open(worker, io, {
      onLocked: (cb) => ((lockedCb = cb), () => (lockedCb = undefined)),
      onUnlocked: (cb) => ((unlockedCb = cb), () => (unlockedCb = undefined)),
    });
    await io.show(0, 1, 2);
    await settle();
    expect(states()).toEqual(['shown', 'shown', 'failed']);
    locked = true;
    await act(() => lockedCb!());
    await settle();
    expect(states()).toEqual(['locked', 'locked', 'failed']);
    expect(root.textContent).not.toContain('secret');
    expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('locked');
    locked = false;
    await act(() => unlockedCb!());
    await settle();
    expect(states()).toEqual(['shown', 'shown', 'failed']);
    expect(article(1).querySelector('.oc-body')!.textContent).toBe('secret 1');
  });

  it('an unlock signal while still locked (e.g. focus) keeps the locked look without flicker', async () => {
    let locked = true;
    const worker = fakeWorker({
      region: { heightsPx: [52, 52], gate: 'locked' },
      item: (i) => {
        if (locked) throw new OvercryptError(ErrorCode.Locked, 'locked');
        return okItem(i);
      },
    });
    const io = fakeIntersection();
    let unlockedCb: (() => void) | undefined;
    await open(worker, io, { onUnlocked: (cb) => ((unlockedCb = cb), () => (unlockedCb = undefined)) });
    await io.show(0, 1);
    const seen = new Set<string>();
    const watch = new MutationObserver(() => states().forEach((s) => seen.add(s!)));
    watch.observe(root, { subtree: true, attributes: true });
    await act(() => unlockedCb!());
    await settle();
    expect(worker.fetches()).toHaveLength(1);
    expect(states()).toEqual(['locked', 'locked']);
    locked = false;
    await act(() => unlockedCb!());
    await settle();
    watch.disconnect();
    expect(states()).toEqual(['shown', 'shown']);
    expect(seen.has('loading')).toBe(false);
  });

  it('the vault locked meanwhile: items not fetched yet go to locked, and come after the unlock', async () => {
    let locked = false;
    const worker = fakeWorker({
      region: { heightsPx: range(0, 30).map(() => 40) },
      item: (i) => {
        if (locked) throw new OvercryptError(ErrorCode.Locked, 'locked');
        return okItem(i);
      },
      hold: true,
    });
    const io = fakeIntersection();
    let unlockedCb: (() => void) | undefined;
    await open(worker, io, { openUnlock: () => undefined, onUnlocked: (cb) => ((unlockedCb = cb), () => (unlockedCb = undefined)) });
    await io.show(0, 1);
    await worker.release(); // [0, 1] shown
    locked = true;
    await worker.release(); // the chunk answers Locked
    expect(states().slice(0, 2)).toEqual(['shown', 'shown']);
    expect(states().slice(2).every((s) => s === 'locked')).toBe(true);
    expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('locked');
    expect(article(0).querySelector('button.oc-unlock')).not.toBeNull();
    locked = false;
    await act(() => unlockedCb!());
    while (worker.pendingHeld() > 0) await worker.release();
    expect(states().every((s) => s === 'shown')).toBe(true);
  });

  it('site not enabled: one Decrypt button, clickable only while the first item is fully visible, fetches all with reveal', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52, 52, 52], gate: 'clickToDecrypt' } });
    const io = fakeIntersection();
    await open(worker, io);
    await io.report({ 0: 0.5, 1: 1, 2: 1 });
    await settle();
    expect(states()).toEqual(['clickToDecrypt', 'clickToDecrypt', 'clickToDecrypt']);
    expect(articles().map((_, i) => badgeOf(i).dataset.badge)).toEqual(['clickToDecrypt', 'clickToDecrypt', 'clickToDecrypt']);
    expect(root.querySelectorAll('button.oc-reveal')).toHaveLength(1);
    const button = article(0).querySelector<HTMLButtonElement>('.oc-header button.oc-reveal')!;
    expect(button.textContent).toBe('Decrypt');
    expect(button.disabled).toBe(true);
    await act(() => button.click());
    await settle();
    expect(worker.fetches()).toEqual([]);

    await io.show(0, 1, 2);
    expect(button.disabled).toBe(false);
    await act(() => button.click());
    await settle();
    expect(worker.api.calls.slice(1)).toEqual([{ type: 'display/fetch', jobId: 'job-1', indices: [0, 1, 2], reveal: true }]);
    expect(states()).toEqual(['shown', 'shown', 'shown']);
    expect(root.querySelector('.oc-reveal')).toBeNull();
  });

  it('a refused handle renders .oc-refused and nothing else', async () => {
    for (const code of [ErrorCode.NotFound, ErrorCode.Forbidden]) {
      const worker = fakeWorker({
        region: { heightsPx: [52] },
        openError: () => {
          throw new OvercryptError(code, 'no');
        },
      });
      const io = fakeIntersection();
      await open(worker, io);
      await io.show(0);
      await settle();
      expect(root.querySelector('.oc-region')!.getAttribute('data-gate')).toBe('refused');
      expect(root.querySelector('.oc-refused')).not.toBeNull();
      expect(articles()).toHaveLength(0);
      expect(root.querySelector('.oc-author, .oc-body, .oc-pattern')).toBeNull();
      expect(worker.fetches()).toEqual([]);
      render(null, root);
    }
  });

  it('the worker not answering: asks once more, then shows the item as failed', async () => {
    let failures = 0;
    const worker = fakeWorker({
      region: { heightsPx: [52, 52] },
      item: (i) => {
        if (i === 1) {
          failures++;
          throw new OvercryptError(ErrorCode.Network, 'no answer');
        }
        return okItem(i);
      },
    });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await settle();
    expect(failures).toBe(2);
    expect(states()).toEqual(['shown', 'failed']);
    expect(badgeOf(1).dataset.reason).toBe('NoAnswer');
  });

  it('the job gone mid-way (released): what is missing fails, no more requests', async () => {
    const worker = fakeWorker({
      region: { heightsPx: range(0, 40).map(() => 40) },
      item: (i) => {
        if (i > 0) throw new OvercryptError(ErrorCode.NotFound, 'gone');
        return okItem(i);
      },
    });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await settle();
    expect(worker.fetches()).toHaveLength(2);
    expect(states()[0]).toBe('shown');
    expect(states().slice(1).every((s) => s === 'failed')).toBe(true);
    expect(badgeOf(39).textContent).toBe('could not decrypt: no longer available');
  });

  it('security pattern chip per item, only while that item is fully visible and (v2) not covered', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52, 52, 52] } });
    const io = fakeIntersection({ v2: true });
    await open(worker, io);
    await io.report({ 0: 1, 1: 1, 2: 0.4 }, new Set([1]));
    await settle();
    const pattern = (i: number) => article(i).querySelector<HTMLElement>('.oc-header .oc-pattern')!.dataset.pattern;
    expect([pattern(0), pattern(1), pattern(2)]).toEqual(['shown', 'hidden', 'hidden']);
    expect(article(0).querySelectorAll('.oc-pattern svg')).toHaveLength(3);
    expect(article(0).querySelector('.oc-pattern')!.className).toContain('oc-pc-plum');
    expect(article(1).querySelector('.oc-pattern svg')).toBeNull();
    await io.report({ 1: 1, 2: 1 });
    expect([pattern(0), pattern(1), pattern(2)]).toEqual(['hidden', 'shown', 'shown']);
  });

  it('without IntersectionObserver: fetches everything, but shows no pattern and allows no Decrypt click (fail closed)', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52, 52] } });
    await mount(h(DisplayApp, { api: worker.api, handle: HANDLE, visibility: { document }, nearPx: 0, now: () => NOW, startTimeoutMs: 60_000 }), root);
    await settle();
    expect(worker.fetches()).toEqual([[0, 1]]);
    expect(states()).toEqual(['shown', 'shown']);
    expect(articles().map((a) => a.querySelector<HTMLElement>('.oc-pattern')!.dataset.pattern)).toEqual(['hidden', 'hidden']);
    render(null, root);
    const gated = fakeWorker({ region: { heightsPx: [52], gate: 'clickToDecrypt' } });
    await mount(h(DisplayApp, { api: gated.api, handle: HANDLE, visibility: { document }, now: () => NOW, startTimeoutMs: 60_000 }), root);
    await settle();
    expect(root.querySelector<HTMLButtonElement>('.oc-reveal')!.disabled).toBe(true);
  });

  it('ignores messages posted by the page', async () => {
    const worker = fakeWorker({ region: { heightsPx: [52] } });
    const io = fakeIntersection();
    await open(worker, io);
    await io.show(0);
    await settle();
    window.dispatchEvent(new MessageEvent('message', { data: { plaintext: 'injected', badge: { kind: 'verified' } } }));
    await settle();
    expect(article(0).querySelector('.oc-body')!.textContent).toBe('message 0');
    expect(worker.api.calls).toHaveLength(2);
  });
});
