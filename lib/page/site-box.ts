/**
 * The site's own compose box while secure compose is on. Two jobs:
 * - notice text appearing in it (the page stole focus and the user kept typing there, or a script filled it):
 *   the send is then blocked, because that text would go out unencrypted or be mixed with ours;
 * - put ciphertext into it the way the site's framework accepts (value setter + `input` event, so Vue/React copies
 *   see it) and trigger the site's own send.
 */

/** Reads the text of a textarea/input or a contenteditable element. */
export function readBox(box: Element): string {
  if (isTextControl(box)) return box.value;
  return box.textContent ?? '';
}

/**
 * Writes `text` into the box as if typed: the native value setter (a framework may shadow `value` on the element)
 * then a bubbling `input` event.
 */
export function writeBox(box: Element, text: string): void {
  const win = box.ownerDocument.defaultView;
  if (isTextControl(box)) {
    const proto = box.tagName === 'TEXTAREA' ? win?.HTMLTextAreaElement.prototype : win?.HTMLInputElement.prototype;
    const setter = proto ? Object.getOwnPropertyDescriptor(proto, 'value')?.set : undefined;
    if (setter) setter.call(box, text);
    else box.value = text;
  } else {
    box.textContent = text;
  }
  const EventCtor = win?.Event ?? Event;
  box.dispatchEvent(new EventCtor('input', { bubbles: true }));
}

function isTextControl(el: Element): el is HTMLTextAreaElement | HTMLInputElement {
  return el.tagName === 'TEXTAREA' || el.tagName === 'INPUT';
}

export interface SiteBoxGuardEnv {
  setInterval(cb: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  pollMs?: number;
}

export interface SiteBoxGuard {
  /** Stop watching while we write into the box ourselves. */
  pause(): void;
  /** Watch again, taking the current content as the expected one. */
  resume(): void;
  /** True once foreign text was seen (stays true). */
  readonly tripped: boolean;
  stop(): void;
}

/**
 * Calls `onForeignText` once when the box's text differs from what it held when watching began (or resumed).
 * Events catch typing at once; polling catches scripts that set `value` without events.
 */
export function guardSiteBox(box: Element, onForeignText: () => void, env: SiteBoxGuardEnv): SiteBoxGuard {
  let expected = readBox(box);
  let paused = false;
  let tripped = false;
  const check = () => {
    if (paused || tripped) return;
    if (readBox(box) !== expected) {
      tripped = true;
      onForeignText();
    }
  };
  const events = ['input', 'keydown', 'keyup', 'paste', 'drop', 'compositionend'];
  // After the event's default action, so the new text is already in the box.
  const deferred = () => Promise.resolve().then(check);
  for (const e of events) box.addEventListener(e, deferred, true);
  const id = env.setInterval(check, env.pollMs ?? 150);
  return {
    pause() {
      paused = true;
    },
    resume() {
      expected = readBox(box);
      paused = false;
    },
    get tripped() {
      return tripped;
    },
    stop() {
      env.clearInterval(id);
      for (const e of events) box.removeEventListener(e, deferred, true);
    },
  };
}
