import { afterEach, describe, expect, it } from 'vitest';
import { composeText, insertIntoCompose, triggerSend } from '../../../lib/sites';
import { pageFromHtml, type TestPage } from './dom';

let page: TestPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});
function open(html: string): Document {
  page = pageFromHtml(`<body>${html}</body>`);
  return page.document;
}

describe('insertIntoCompose', () => {
  it('writes a textarea through the prototype setter, so a React-style value tracker sees a change', () => {
    const doc = open('<textarea id="t">draft</textarea>');
    const el = doc.getElementById('t') as HTMLTextAreaElement;
    // React installs an instance setter that records the last value it set; its onChange fires only when
    // the DOM value differs from that record. Writing `el.value = x` would update the record too.
    let tracked = el.value;
    const proto = Object.getPrototypeOf(el) as HTMLTextAreaElement;
    const native = Object.getOwnPropertyDescriptor(proto, 'value')!;
    Object.defineProperty(el, 'value', {
      configurable: true,
      get: () => native.get!.call(el),
      set: (v: string) => {
        tracked = v;
        native.set!.call(el, v);
      },
    });
    const changes: string[] = [];
    el.addEventListener('input', () => {
      if (el.value !== tracked) changes.push(el.value);
    });
    expect(insertIntoCompose(el, 'OC1xyz')).toEqual({ strategy: 'value-setter' });
    expect(el.value).toBe('OC1xyz');
    expect(changes).toEqual(['OC1xyz']);
  });

  it('replaces a contenteditable\'s content and fires input', () => {
    const doc = open('<div id="c" contenteditable="true"><p>old</p></div>');
    const el = doc.getElementById('c')!;
    const events: string[] = [];
    el.addEventListener('beforeinput', (e) => events.push(`${e.type}:${(e as InputEvent).data}`));
    el.addEventListener('input', (e) => events.push(`${e.type}:${(e as InputEvent).data}`));
    expect(insertIntoCompose(el, 'OC1abc').strategy).toBe('text-replace');
    expect(composeText(el)).toBe('OC1abc');
    expect(events).toEqual(['beforeinput:OC1abc', 'input:OC1abc']);
  });

  it('fails loudly when the editor refuses the text or the element is not editable', () => {
    const doc = open('<div id="c" contenteditable="true">keep</div><div id="plain">x</div>');
    const el = doc.getElementById('c')!;
    el.addEventListener('beforeinput', (e) => e.preventDefault());
    expect(() => insertIntoCompose(el, 'OC1abc')).toThrow(expect.objectContaining({ code: 'Internal' }));
    expect(composeText(el)).toBe('keep');
    expect(() => insertIntoCompose(doc.getElementById('plain')!, 'x')).toThrow(expect.objectContaining({ code: 'Internal' }));
  });
});

describe('triggerSend', () => {
  it('clicks an enabled button, else presses Enter with legacy key codes', () => {
    const doc = open('<textarea id="t"></textarea><button id="b">send</button>');
    const input = doc.getElementById('t')!;
    const button = doc.getElementById('b')!;
    const log: string[] = [];
    button.addEventListener('click', () => log.push('click'));
    for (const type of ['keydown', 'keypress', 'keyup']) {
      input.addEventListener(type, (e) => {
        const k = e as KeyboardEvent;
        log.push(`${k.type}:${k.key}:${k.keyCode}:${k.which}:${k.ctrlKey}`);
      });
    }
    expect(triggerSend(input, { button })).toBe('button');
    button.setAttribute('disabled', '');
    expect(triggerSend(input, { button })).toBe('key');
    button.removeAttribute('disabled');
    expect(triggerSend(input, { button, preferKey: true, key: 'Ctrl+Enter' })).toBe('key');
    expect(log).toEqual([
      'click',
      'keydown:Enter:13:13:false',
      'keypress:Enter:13:13:false',
      'keyup:Enter:13:13:false',
      'keydown:Enter:13:13:true',
      'keypress:Enter:13:13:true',
      'keyup:Enter:13:13:true',
    ]);
  });
});
