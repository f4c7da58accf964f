/**
 * Plaintext as it may be shown: text only (rendered as a text node, never HTML), with the characters that let a
 * message disguise itself made visible instead of obeyed.
 *
 * - Bidi controls (U+202A–202E embeddings/overrides, U+2066–2069 isolates, U+200E/200F/061C marks) could reverse
 *   text or make it appear to start elsewhere: shown as ⟦U+202E⟧.
 * - C0/C1 control characters (except newline and tab) and other invisible format characters: shown the same way.
 * - Line/paragraph separators become newlines; CR LF becomes one newline.
 * A message can still contain a line that looks like "✔ carol (verified):", but it is rendered inside the message
 * body box, below the author element that only the frame writes (see DisplayView).
 */

const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
// C0 except \t \n, DEL, C1, and invisible format characters that are not needed for emoji (ZWJ U+200D is kept).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u2060-\u2064\u206A-\u206F\uFEFF\uFFF9-\uFFFB]/;
const UNSAFE = new RegExp(`${BIDI.source}|${CONTROL.source}`, 'g');

function codeLabel(c: string): string {
  return `\u27E6U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}\u27E7`;
}

/** The text to render, with unsafe characters replaced by a visible label. */
export function neutralise(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u2028\u2029\u0085]/g, '\n').replace(UNSAFE, codeLabel);
}

/** True if the text contained anything neutralise() had to change (the frame may say so). */
export function hadUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return new RegExp(UNSAFE.source).test(text);
}

/** A single-line label (names, reasons): neutralised, newlines flattened, length bounded. */
export function neutraliseLabel(text: string, max = 80): string {
  const flat = neutralise(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
