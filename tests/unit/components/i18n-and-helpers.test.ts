import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupFromMessages, setMessageLookup, t } from '../../../components/i18n';
import { formatPattern, parsePattern, PATTERN_COLOURS, randomPattern, SYMBOLS } from '../../../components/pattern';
import { qrModules } from '../../../components/qr';
import { ageInDays, groupsOf, hostOf, spacedFingerprint } from '../../../components/format';
import { MESSAGES } from './helpers';

const COMPONENTS = path.resolve(__dirname, '../../../components');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'frames' || f === 'tools' ? [] : sources(p); // frames: their own helper's
    return /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe('messages.json', () => {
  it('has every key the views use (literal keys, and every value of the dynamic ones)', () => {
    const used = new Set<string>();
    for (const file of sources(COMPONENTS)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]!);
    }
    for (const c of PATTERN_COLOURS) used.add(`colour_${c}`);
    for (const s of SYMBOLS) used.add(`symbol_${s}`);
    for (const s of ['identityKey', 'deviceCard', 'publish', 'prekeys', 'restore', 'backup', 'upload']) used.add(`progress_${s}`);
    expect(used.size).toBeGreaterThan(150);
    const missing = [...used].filter((k) => !(k in MESSAGES));
    expect(missing).toEqual([]);
  });

  it('uses only names Chrome accepts and declares every placeholder it references', () => {
    for (const [k, v] of Object.entries(MESSAGES)) {
      expect(k).toMatch(/^[A-Za-z0-9_@]+$/);
      for (const m of v.message.matchAll(/\$([A-Za-z0-9_]+)\$/g)) expect(v.placeholders?.[m[1]!.toLowerCase()], `${k}: ${m[1]}`).toBeDefined();
    }
    for (const k of ['ext_name', 'ext_description']) expect(MESSAGES[k]).toBeDefined();
  });

  it('substitutes like chrome.i18n.getMessage and falls back to the key for a missing message', () => {
    setMessageLookup(lookupFromMessages(MESSAGES));
    expect(t('keys_onServer', 87, 100)).toBe('87 of 100 one-time keys are on the directory');
    expect(t('no_such_key')).toBe('no_such_key');
    expect(lookupFromMessages({ x: { message: 'cost $$1 for $A$', placeholders: { a: { content: '$1' } } } })('x', ['you'])).toBe('cost $1 for you');
  });
});

describe('security pattern', () => {
  it('round-trips, rejects malformed strings, and random patterns have three distinct symbols', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 200; i++) {
      const p = randomPattern(random);
      expect(new Set(p.symbols).size).toBe(3);
      expect(parsePattern(formatPattern(p))).toEqual(p);
    }
    expect(formatPattern({ colour: 'teal', symbols: [0, 1, 2] })).toBe('teal circle square triangle');
    expect(SYMBOLS).toHaveLength(16);
    for (const bad of [undefined, '', 'teal', 'teal star moon', 'mauve star moon bolt', 'teal star moon bolt eye', 'teal star star bolt', 'teal  star moon bolt', 'teal Star moon bolt']) {
      expect(parsePattern(bad), String(bad)).toBeNull();
    }
  });
});

describe('QR code', () => {
  it('encodes a safety-number payload into a square module grid with finder patterns', () => {
    const m = qrModules('OCSN1:' + 'A'.repeat(88));
    const n = m.length;
    expect(n).toBeGreaterThanOrEqual(21);
    expect((n - 17) % 4).toBe(0); // version v has 17 + 4v modules
    expect(m.every((row) => row.length === n)).toBe(true);
    // Top-left finder: 7x7 dark ring with a dark 3x3 centre and a light ring between.
    expect(m[0]!.slice(0, 7).every(Boolean)).toBe(true);
    expect(m[1]![1]).toBe(false);
    expect(m[3]![3]).toBe(true);
    expect(qrModules('OCSN1:AAAB')).not.toEqual(qrModules('OCSN1:AAAA'));
  });
});

describe('format', () => {
  it('groups, spaces fingerprints, ages and hosts', () => {
    setMessageLookup(lookupFromMessages(MESSAGES));
    expect(groupsOf('123456789012', 5)).toEqual(['12345', '67890', '12']);
    expect(spacedFingerprint('abcd ef0123')).toBe('abcd ef01 23');
    const now = Date.UTC(2026, 10, 25);
    expect(ageInDays(now - 3_600_000, now)).toBe('today');
    expect(ageInDays(now - 86_400_000 * 1.5, now)).toBe('1 day ago');
    expect(ageInDays(now - 86_400_000 * 30, now)).toBe('30 days ago');
    expect(hostOf('http://127.0.0.1:8787/x')).toBe('127.0.0.1:8787');
    expect(hostOf('javascript:alert(1)')).toBeNull();
    expect(hostOf('not a url')).toBeNull();
  });
});

describe('icons', () => {
  it('ships every icon the manifest and the toolbar states name, as RGBA PNGs of the right size', () => {
    const dir = path.resolve(__dirname, '../../../public/icon');
    const want: Array<[string, number]> = [
      ...[16, 32, 48, 128].map((s): [string, number] => [`${s}.png`, s]),
      ...['locked', 'unlocked'].flatMap((v) => [16, 32, 48].map((s): [string, number] => [`${v}-${s}.png`, s])),
    ];
    for (const [file, size] of want) {
      const b = readFileSync(path.join(dir, file));
      expect(b.subarray(0, 8).toString('hex'), file).toBe('89504e470d0a1a0a');
      expect(b.subarray(12, 16).toString('ascii')).toBe('IHDR');
      expect([b.readUInt32BE(16), b.readUInt32BE(20), b[25]], file).toEqual([size, size, 6]);
    }
  });
});
