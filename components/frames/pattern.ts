/**
 * The personal security pattern (chosen at setup, Mailvelope's idea): a short secret phrase shown in our frames,
 * drawn over a background derived from it. A page cannot read our frames, so it cannot draw the same picture; a
 * frame without the user's pattern is a fake. Colours are derived with FNV-1a: spoofing resistance comes from the
 * page not knowing the phrase, not from the hash.
 */

function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Three hues and a stripe angle for a pattern phrase. */
export function patternStyle(phrase: string): { hues: [number, number, number]; angle: number } {
  return {
    hues: [fnv1a(phrase, 1) % 360, fnv1a(phrase, 2) % 360, fnv1a(phrase, 3) % 360],
    angle: (fnv1a(phrase, 4) % 12) * 15,
  };
}

/** CSS background for the pattern strip. */
export function patternBackground(phrase: string): string {
  const { hues, angle } = patternStyle(phrase);
  const [a, b, c] = hues.map((h) => `hsl(${h} 70% 80%)`);
  return `repeating-linear-gradient(${angle}deg, ${a} 0 8px, ${b} 8px 16px, ${c} 16px 24px)`;
}
