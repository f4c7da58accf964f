/**
 * Page text as the armor finder sees it: the characters that chats and mail
 * insert into text (whitespace, line breaks, zero-width and other invisible
 * characters, `>` quote markers — also as `&gt;` or `\>` — and, when markup is
 * shown raw, entities of invisible characters and `<br>`/`<wbr>` tags) are dropped; ASCII letters and
 * digits are kept; every other character becomes a separator that no armor can
 * span. `origin[i]` is the offset in the original text of cleaned character i.
 *
 * Quote markers are dropped anywhere, not only at line starts: once a renderer
 * drops the line breaks (`textContent` of `<br>`, collapsed whitespace) a
 * marker ends up mid-line. No armor contains `>`, so this cannot merge two
 * armors; the length field and checksum decide where an armor ends.
 *
 * Linear time, one pass, no backtracking beyond a bounded look-ahead (≤ 32
 * characters for an entity or tag).
 */
/** Code written for any character that breaks an armor. */
export const SEPARATOR = 46; // '.'
/** Invisible or blank in any renderer; dropped wherever it appears. */
const IGNORABLE = /^[\s\p{Default_Ignorable_Code_Point}]$/u;
const NAMED_IGNORABLE_ENTITIES = new Set([
  'nbsp', 'shy', 'zwj', 'zwnj', 'zerowidthspace', 'newline', 'tab', 'ensp', 'emsp', 'thinsp', 'lrm', 'rlm',
  'nobreak', 'invisibletimes', 'invisiblecomma', 'nonbreakingspace',
]);
const BREAK_TAG = /^<\/?(?:br|wbr)\s*\/?>/i;
const ENTITY = /^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,24});/;

export interface CleanText {
  /** ASCII codes of the letters and digits of the text, SEPARATOR for every character that breaks an armor. */
  readonly codes: Uint8Array;
  /** Original UTF-16 offset of each cleaned character. */
  readonly origin: Uint32Array;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function cleanText(text: string): CleanText {
  const codes = new Uint8Array(text.length);
  const origin = new Uint32Array(text.length);
  let n = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isAlnum(c)) {
      codes[n] = c;
      origin[n++] = i++;
      continue;
    }
    const skip = noiseLength(text, i, c);
    if (skip > 0) {
      i += skip;
      continue;
    }
    codes[n] = SEPARATOR;
    origin[n++] = i++;
  }
  return { codes: codes.subarray(0, n), origin: origin.subarray(0, n) };
}

/** How many UTF-16 units of noise start at `i` (0 = not noise). */
function noiseLength(text: string, i: number, c: number): number {
  if (c === 32 || (c >= 9 && c <= 13)) return 1; // space, \t \n \v \f \r
  if (c === 62 /* > */) return 1;
  if (c === 92 /* \ */ && text.charCodeAt(i + 1) === 62) return 2;
  if (c === 38 /* & */) return entityNoise(text, i);
  if (c === 60 /* < */) {
    const m = BREAK_TAG.exec(text.slice(i, i + 24));
    return m ? m[0].length : 0;
  }
  if (c < 128) return 0;
  const cp = text.codePointAt(i)!;
  const unit = cp > 0xffff ? 2 : 1;
  return IGNORABLE.test(String.fromCodePoint(cp)) ? unit : 0;
}

function entityNoise(text: string, i: number): number {
  const m = ENTITY.exec(text.slice(i, i + 32));
  if (!m) return 0;
  const name = m[1]!;
  if (name[0] === '#') {
    const cp = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (cp > 0x10ffff) return 0;
    if (cp === 62) return m[0].length;
    return IGNORABLE.test(String.fromCodePoint(cp)) ? m[0].length : 0;
  }
  const lower = name.toLowerCase();
  if (lower === 'gt') return m[0].length;
  return NAMED_IGNORABLE_ENTITIES.has(lower) ? m[0].length : 0;
}
