// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ArmorUnits, canonical } from '../../../lib/page/armor-units';
import { findArmor } from '../../../lib/wire/armor';
import { armorOf, armorParts } from './support';

function el(id: string): Element {
  const e = document.createElement('div');
  e.id = id;
  return e;
}

describe('ArmorUnits', () => {
  it('a single-part armor is a unit at once, without page noise', () => {
    const a = armorOf(60);
    const noisy = `${a.slice(0, 20)} \u200b${a.slice(20)}`;
    const u = new ArmorUnits().add(el('m'), 'alice', noisy, findArmor(noisy));
    expect(u.units).toHaveLength(1);
    expect(u.units[0]!.parts).toEqual([a]);
    expect(u.units[0]!.armorChars).toBe(a.length);
  });

  it('collects the parts of a long message from several page messages, in any order', () => {
    const parts = armorParts(900, 340);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const units = new ArmorUnits();
    const els = parts.map((_, i) => el(`m${i}`));
    const order = parts.map((_, i) => i).reverse();
    const results = order.map((i) => units.add(els[i]!, 'alice', parts[i]!, findArmor(parts[i]!)));
    expect(results.slice(0, -1).every((r) => r.units.length === 0)).toBe(true);
    const done = results[results.length - 1]!.units;
    expect(done).toHaveLength(1);
    expect(done[0]!.parts).toEqual(parts);
    expect(done[0]!.anchor).toBe(els[0]);
    expect(done[0]!.members).toEqual(els);
    expect(units.pendingCount).toBe(0);
  });

  it('never joins parts shown under different page authors', () => {
    const parts = armorParts(500, 340);
    const units = new ArmorUnits();
    const r1 = units.add(el('a'), 'alice', parts[0]!, findArmor(parts[0]!));
    const r2 = units.add(el('b'), 'mallory', parts[1]!, findArmor(parts[1]!));
    expect(r1.units.length + r2.units.length).toBe(0);
    expect(units.pendingCount).toBe(2);
  });

  it('a damaged armor still becomes a unit (the worker answers "tampered")', () => {
    const a = armorOf(80);
    const bad = a.slice(0, 30) + (a[30] === 'x' ? 'y' : 'x') + a.slice(31);
    const matches = findArmor(bad);
    expect(matches.some((m) => !m.ok)).toBe(true);
    const r = new ArmorUnits().add(el('m'), 'alice', bad, matches);
    expect(r.units).toHaveLength(1);
  });

  it('recognises a re-rendered part of an already shown message', () => {
    const parts = armorParts(700, 340);
    const units = new ArmorUnits();
    parts.forEach((p, i) => units.add(el(`m${i}`), 'alice', p, findArmor(p)));
    const again0 = el('again0');
    const r0 = units.add(again0, 'alice', parts[0]!, findArmor(parts[0]!));
    expect(r0.units).toHaveLength(1);
    expect(r0.units[0]!.anchor).toBe(again0);
    const again1 = el('again1');
    const r1 = units.add(again1, 'alice', parts[1]!, findArmor(parts[1]!));
    expect(r1.units).toHaveLength(0);
    expect(r1.continuations).toEqual([{ element: again1, key: r0.units[0]!.key }]);
  });

  it('bounds the incomplete sets it keeps', () => {
    const units = new ArmorUnits();
    for (let i = 0; i < 100; i++) {
      const p = armorParts(500, 340, i)[0]!;
      units.add(el(`m${i}`), 'alice', p, findArmor(p));
    }
    expect(units.pendingCount).toBeLessThanOrEqual(64);
  });

  it('canonical() keeps armor characters only, or the raw slice when something else is inside', () => {
    expect(canonical('OC1S1 abc\n> def')).toBe('OC1S1abcdef');
    expect(canonical('OC1&amp;x')).toBe('OC1&amp;x');
  });
});
