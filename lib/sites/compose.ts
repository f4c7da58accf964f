/**
 * Putting text into a site's compose box so the site's framework notices, and triggering the site's own send.
 * Frameworks keep their own copy of the text (React's value tracker, Vue's v-model): writing `.value` alone
 * is ignored by them, so we write through the prototype's setter and then dispatch the events a user's typing
 * would. Every strategy is verified by reading the box back.
 */
import { ErrorCode, OvercryptError } from '../errors';

export type InsertStrategy = 'value-setter' | 'exec-command' | 'text-replace';

export interface InsertResult {
  strategy: InsertStrategy;
}

export type ComposeElement = HTMLTextAreaElement | HTMLInputElement | HTMLElement;

/** Replaces the compose box's content with `text`; throws `Internal` when no strategy took. */
export function insertIntoCompose(el: Element, text: string): InsertResult {
  if (isTextControl(el)) return insertIntoTextControl(el, text);
  if (isContentEditable(el)) return insertIntoContentEditable(el as HTMLElement, text);
  throw new OvercryptError(ErrorCode.Internal, 'the compose element is neither a text field nor contenteditable');
}

/** The text currently in a compose box, whatever its kind. */
export function composeText(el: Element): string {
  if (isTextControl(el)) return el.value;
  return (el.textContent ?? '').replace(/\u200b/g, '');
}

export function isTextControl(el: Element): el is HTMLTextAreaElement | HTMLInputElement {
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea') return true;
  if (tag !== 'input') return false;
  const type = (el.getAttribute('type') ?? 'text').toLowerCase();
  return ['text', 'search', ''].includes(type);
}

export function isContentEditable(el: Element): boolean {
  const attr = el.getAttribute('contenteditable');
  if (attr !== null) return attr === '' || attr.toLowerCase() === 'true' || attr.toLowerCase() === 'plaintext-only';
  return (el as HTMLElement).isContentEditable === true;
}

function insertIntoTextControl(el: HTMLTextAreaElement | HTMLInputElement, text: string): InsertResult {
  const win = windowOf(el);
  const proto = el.tagName.toLowerCase() === 'textarea' ? win.HTMLTextAreaElement.prototype : win.HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  // The prototype's setter, not the element's: React installs its own on the instance to track changes.
  if (setter) setter.call(el, text);
  else el.value = text;
  dispatchInput(el, text);
  el.dispatchEvent(new win.Event('change', { bubbles: true }));
  if (el.value !== text) throw new OvercryptError(ErrorCode.Internal, 'the compose box did not take the text');
  return { strategy: 'value-setter' };
}

function insertIntoContentEditable(el: HTMLElement, text: string): InsertResult {
  const doc = el.ownerDocument;
  el.focus();
  selectContents(el);
  // execCommand goes through the editor's own input pipeline (Draft, Slate, Lexical, ProseMirror listen to it).
  let took = false;
  try {
    took = typeof doc.execCommand === 'function' && doc.execCommand('insertText', false, text);
  } catch {
    took = false;
  }
  if (took && sameText(composeText(el), text)) return { strategy: 'exec-command' };

  const win = windowOf(el);
  const before = new win.InputEvent('beforeinput', { bubbles: true, cancelable: true, inputType: 'insertText', data: text });
  if (el.dispatchEvent(before)) {
    el.textContent = text;
    dispatchInput(el, text);
  }
  if (!sameText(composeText(el), text)) throw new OvercryptError(ErrorCode.Internal, 'the compose box did not take the text');
  return { strategy: 'text-replace' };
}

export interface SendOptions {
  /** The site's send button, if it has one. */
  button?: Element | null;
  key?: 'Enter' | 'Ctrl+Enter';
  /** Use the key even when there is a button. */
  preferKey?: boolean;
}

/** Triggers the site's own send: a click on its button, or the key its handler listens for. */
export function triggerSend(input: Element, options: SendOptions = {}): 'button' | 'key' {
  const button = options.button ?? null;
  if (button && !options.preferKey && !isDisabled(button)) {
    (button as HTMLElement).click();
    return 'button';
  }
  pressKey(input, options.key ?? 'Enter');
  return 'key';
}

/** keydown, keypress, keyup as a keyboard would send them (legacy keyCode/which included). */
export function pressKey(target: Element, key: 'Enter' | 'Ctrl+Enter'): void {
  const win = windowOf(target);
  const ctrlKey = key === 'Ctrl+Enter';
  for (const type of ['keydown', 'keypress', 'keyup'] as const) {
    const event = new win.KeyboardEvent(type, { key: 'Enter', code: 'Enter', ctrlKey, bubbles: true, cancelable: true, composed: true });
    // Chromium ignores keyCode/which in the init dictionary; old handlers still test them.
    for (const prop of ['keyCode', 'which', 'charCode'] as const) {
      const value = prop === 'charCode' && type !== 'keypress' ? 0 : 13;
      Object.defineProperty(event, prop, { get: () => value });
    }
    target.dispatchEvent(event);
  }
}

function dispatchInput(el: Element, text: string): void {
  const win = windowOf(el);
  const Ctor = typeof win.InputEvent === 'function' ? win.InputEvent : win.Event;
  el.dispatchEvent(new Ctor('input', { bubbles: true, inputType: 'insertText', data: text } as InputEventInit));
}

function selectContents(el: HTMLElement): void {
  const doc = el.ownerDocument;
  const selection = doc.getSelection?.();
  if (!selection) return;
  const range = doc.createRange();
  range.selectNodeContents(el);
  selection.removeAllRanges();
  selection.addRange(range);
}

function isDisabled(el: Element): boolean {
  return el.hasAttribute('disabled') || el.getAttribute('aria-disabled') === 'true';
}

function sameText(actual: string, expected: string): boolean {
  return actual.replace(/\n$/, '') === expected;
}

type Win = Window & typeof globalThis;

function windowOf(el: Element): Win {
  const win = el.ownerDocument.defaultView as Win | null;
  if (!win) throw new OvercryptError(ErrorCode.Internal, 'the compose element is not in a window');
  return win;
}
