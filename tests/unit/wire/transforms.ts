/**
 * What chat sites and mail do to text, as functions: used to show armor survives them.
 * `rng` returns floats in [0, 1) (seeded in tests).
 */
export type Rng = () => number;

/** Mulberry32: small seeded PRNG for reproducible tests and fuzzing. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CommonMark backslash-escapes of every ASCII punctuation Markdown gives meaning to. */
export function markdownEscape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!~|>]/g, (c) => '\\' + c);
}

export function markdownUnescape(text: string): string {
  return text.replace(/\\([\\`*_{}[\]()#+\-.!~|>])/g, '$1');
}

/** Markdown rendering's effect on text content: emphasis/strike/code markers vanish. */
export function markdownRenderText(text: string): string {
  return text.replace(/(\*\*|__|~~|\*|_|`)(\S(?:.*?\S)?)\1/g, '$2');
}

export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function htmlUnescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** Hard wrap: a line break every `width` characters, inside words too (mail, narrow clients). */
export function hardWrap(text: string, width: number, lineBreak = '\n'): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (let i = 0; i < line.length || i === 0; i += width) out.push(line.slice(i, i + width));
  }
  return out.join(lineBreak);
}

/** Mail-style quoting: "> " before every line. */
export function quote(text: string, marker = '> '): string {
  return text.split('\n').map((l) => marker + l).join('\n');
}

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u034f'];

/** Inserts zero-width / invisible characters at random positions (rate per character). */
export function injectZeroWidth(text: string, rng: Rng, rate = 0.1): string {
  return inject(text, rng, rate, () => ZERO_WIDTH[Math.floor(rng() * ZERO_WIDTH.length)]!);
}

/** Inserts line breaks (\n, \r\n, U+2028) at random positions. */
export function injectNewlines(text: string, rng: Rng, rate = 0.05): string {
  const breaks = ['\n', '\r\n', '\u2028', '\n\n'];
  return inject(text, rng, rate, () => breaks[Math.floor(rng() * breaks.length)]!);
}

/** Inserts spaces, tabs and no-break spaces at random positions. */
export function injectWhitespace(text: string, rng: Rng, rate = 0.05): string {
  const spaces = [' ', '  ', '\t', '\u00a0', '\u202f', '\u3000'];
  return inject(text, rng, rate, () => spaces[Math.floor(rng() * spaces.length)]!);
}

/** What HTML rendering does to runs of whitespace. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function inject(text: string, rng: Rng, rate: number, make: () => string): string {
  let out = '';
  for (const ch of text) {
    if (rng() < rate) out += make();
    out += ch;
  }
  return out;
}

/**
 * What The Lounge's IRC library does to a long line: pieces of at most `maxBytes` UTF-8 bytes, cut at the last
 * space when there is one (the space is lost), trailing spaces trimmed; each piece becomes its own message.
 */
export function ircSplit(text: string, maxBytes = 350): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest, 'utf8') > maxBytes) {
    let cut = 0;
    let bytes = 0;
    for (const ch of rest) {
      const size = Buffer.byteLength(ch, 'utf8');
      if (bytes + size > maxBytes) break;
      bytes += size;
      cut += ch.length;
    }
    const space = rest.lastIndexOf(' ', cut);
    const end = space > 0 ? space : cut;
    pieces.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(space > 0 ? end + 1 : end);
  }
  pieces.push(rest.trimEnd());
  return pieces.filter((p) => p.length > 0);
}
