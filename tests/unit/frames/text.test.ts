import { describe, expect, it } from 'vitest';
import { hadUnsafeCharacters, neutralise, neutraliseLabel } from '../../../components/frames/text';
import { patternBackground, patternStyle } from '../../../components/frames/pattern';

describe('neutralise', () => {
  it('makes bidi overrides, embeddings, isolates and marks visible instead of obeyed', () => {
    for (const c of ['\u202E', '\u202D', '\u202A', '\u2066', '\u2069', '\u200F', '\u061C']) {
      const out = neutralise(`abc${c}def`);
      expect(out).not.toContain(c);
      expect(out).toContain(`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  });

  it('replaces control characters but keeps newlines, tabs, emoji and ZWJ sequences', () => {
    expect(neutralise('a\u0000b\u001bc\u0085d')).toBe('a\u27E6U+0000\u27E7b\u27E6U+001B\u27E7c\nd');
    expect(neutralise('line1\r\nline2\tx')).toBe('line1\nline2\tx');
    expect(neutralise('hello bob 🔐 👩‍💻')).toBe('hello bob 🔐 👩‍💻');
    expect(neutralise('<b>not bold</b>')).toBe('<b>not bold</b>');
  });

  it('flags text that needed neutralising', () => {
    expect(hadUnsafeCharacters('plain')).toBe(false);
    expect(hadUnsafeCharacters('x\u202Ey')).toBe(true);
  });

  it('labels are one line and bounded', () => {
    expect(neutraliseLabel('a\nb\u202Ec', 80)).toBe('a b\u27E6U+202E\u27E7c');
    expect(neutraliseLabel('x'.repeat(100), 10)).toHaveLength(10);
  });
});

describe('security pattern', () => {
  it('is a deterministic function of the phrase, different for different phrases', () => {
    expect(patternStyle('blue fox 42')).toEqual(patternStyle('blue fox 42'));
    expect(patternBackground('blue fox 42')).not.toBe(patternBackground('blue fox 43'));
  });
});
