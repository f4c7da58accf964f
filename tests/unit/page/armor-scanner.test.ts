// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArmorScanner, type FoundMessage } from '../../../lib/page/armor-scanner';
import { genericLocator, selectorLocator } from '../../../lib/page/locator';
import { armorOf, ManualScheduler } from './support';

const lounge = selectorLocator({ message: '.msg[data-type="message"]', text: '.content', authorAttribute: 'data-from' });

/** MutationObserver records are delivered in a microtask; this waits for that delivery, not for time. */
async function mutationsDelivered(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function msg(from: string, contentHtml: string): HTMLElement {
  const el = document.createElement('div');
  el.className = 'msg';
  el.dataset.type = 'message';
  el.dataset.from = from;
  el.innerHTML = `<span class="from">${from}</span><span class="content">${contentHtml}</span>`;
  return el;
}

describe('ArmorScanner', () => {
  let list: HTMLElement;
  let sched: ManualScheduler;
  let found: FoundMessage[];
  let applied: Set<Element>;
  let scanner: ArmorScanner;

  beforeEach(() => {
    document.body.innerHTML = '<div id="chat"><div class="messages"></div></div>';
    list = document.querySelector('.messages')!;
    sched = new ManualScheduler();
    found = [];
    applied = new Set();
    scanner = new ArmorScanner({
      root: document.body,
      locator: lounge,
      scheduler: sched,
      MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
      isOwnNode: (n) => !!(n.nodeType === 1 ? (n as Element) : n.parentElement)?.closest('[data-overcrypt]'),
      isApplied: (m) => applied.has(m),
      onFound: (f) => {
        found.push(f);
        applied.add(f.message);
      },
    });
  });
  afterEach(() => scanner.stop());

  it('finds armor already in the page (history rendered before the script started)', () => {
    const a = armorOf(100);
    list.append(msg('alice', a), msg('bob', 'just text'));
    scanner.start();
    sched.drain();
    expect(found).toHaveLength(1);
    expect(found[0]!.author).toBe('alice');
    expect(found[0]!.matches).toHaveLength(1);
    expect(found[0]!.matches[0]!.ok).toBe(true);
  });

  it('finds armor the site split across nick spans, links and line breaks (element text, not text nodes)', () => {
    const a = armorOf(120);
    const html = `<span class="user">${a.slice(0, 10)}</span>${a.slice(10, 40)}<a href="#">${a.slice(40, 70)}</a><br>${a.slice(70)}`;
    list.append(msg('alice', html));
    scanner.start();
    sched.drain();
    expect(found).toHaveLength(1);
    const m = found[0]!.matches[0]!;
    expect(m.ok && found[0]!.text.slice(m.start, m.end).replace(/\s/g, '')).toBe(a);
  });

  it('picks up messages added later (new messages, history loaded on scroll-up) only at idle time', async () => {
    scanner.start();
    sched.drain();
    list.prepend(msg('carol', armorOf(50, 2)));
    list.append(msg('dave', armorOf(60, 3)));
    await mutationsDelivered();
    expect(found).toHaveLength(0); // nothing done inside the mutation callback
    sched.drain();
    expect(found.map((f) => f.author).sort()).toEqual(['carol', 'dave']);
  });

  it('reports a re-rendered message again (site replaced the element, e.g. on a channel switch)', async () => {
    const a = armorOf(80);
    list.append(msg('alice', a));
    scanner.start();
    sched.drain();
    expect(found).toHaveLength(1);
    list.innerHTML = '';
    list.append(msg('alice', a));
    await mutationsDelivered();
    sched.drain();
    expect(found).toHaveLength(2);
    expect(found[1]!.message).not.toBe(found[0]!.message);
  });

  it('does not rescan a message whose text is unchanged while its replacement is in place', async () => {
    const a = armorOf(80);
    const m = msg('alice', a);
    list.append(m);
    scanner.start();
    sched.drain();
    m.querySelector('.from')!.append(document.createTextNode('!')); // a mutation elsewhere in the message
    await mutationsDelivered();
    sched.drain();
    expect(found).toHaveLength(1);
    applied.delete(m); // our frame was removed by the site
    m.querySelector('.from')!.append(document.createTextNode('!'));
    await mutationsDelivered();
    sched.drain();
    expect(found).toHaveLength(2);
  });

  it('ignores mutations of our own inserted nodes', async () => {
    const a = armorOf(80);
    const m = msg('alice', a);
    list.append(m);
    scanner.start();
    sched.drain();
    applied.delete(m); // would be rescanned if the mutation counted
    const own = document.createElement('div');
    own.setAttribute('data-overcrypt', 'display');
    m.append(own);
    await mutationsDelivered();
    expect(sched.pendingCallbacks).toBe(0);
  });

  it('calls onCleared when a reported message no longer holds armor', async () => {
    const cleared: Element[] = [];
    scanner.stop();
    const a = armorOf(80);
    const m = msg('alice', a);
    list.append(m);
    scanner = new ArmorScanner({
      root: document.body, locator: lounge, scheduler: sched, MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
      isOwnNode: () => false, isApplied: () => false, onFound: (f) => found.push(f), onCleared: (el) => cleared.push(el),
    });
    scanner.start();
    sched.drain();
    m.querySelector('.content')!.textContent = 'edited to plain text';
    await mutationsDelivered();
    sched.drain();
    expect(cleared).toEqual([m]);
  });

  it('works with the generic locator on any page (nearest block around the text)', () => {
    scanner.stop();
    const a = armorOf(90);
    document.body.innerHTML = `<article><p id="p">Hello <b>${a.slice(0, 30)}</b>${a.slice(30)}</p><textarea>${armorOf(40)}</textarea></article>`;
    const got: FoundMessage[] = [];
    scanner = new ArmorScanner({
      root: document.body, locator: genericLocator(), scheduler: sched, MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
      isOwnNode: () => false, isApplied: () => false, onFound: (f) => got.push(f),
    });
    scanner.start();
    sched.drain();
    expect(got.map((f) => f.message.id)).toEqual(['p']);
  });

  it('processes 1,000 history messages in idle slices of about 8 ms (real clock)', () => {
    scanner.stop();
    for (let i = 0; i < 1000; i++) list.append(msg(`u${i % 7}`, armorOf(40, i)));
    const real = new ManualScheduler();
    real.now = () => performance.now();
    real.idleBudgetMs = 1e9; // only the slice budget limits a slice
    const got: FoundMessage[] = [];
    scanner = new ArmorScanner({
      root: document.body, locator: lounge, scheduler: real, sliceMs: 8,
      MutationObserver: window.MutationObserver as unknown as typeof MutationObserver,
      isOwnNode: () => false, isApplied: () => false, onFound: (f) => got.push(f),
    });
    scanner.start();
    const sliceTimes: number[] = [];
    while (real.pendingCallbacks > 0) {
      const t0 = performance.now();
      real.runIdle();
      sliceTimes.push(performance.now() - t0);
    }
    expect(got).toHaveLength(1000);
    expect(sliceTimes.length).toBeGreaterThan(1);
    // A slice stops at the first item that crosses 8 ms; the resolve step of the whole list is one item.
    const sorted = [...sliceTimes].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(median).toBeLessThan(40);
  });
});
