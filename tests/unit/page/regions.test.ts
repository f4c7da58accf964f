// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { groupIntoRegions, REGION_MAX_ITEMS, type RegionUnit } from '../../../lib/page/regions';

/** Rows of a list: 'A' armored, 'P' plain message, 'm' date marker (no text), 'h' hidden row, 'x' visible notice. */
function list(pattern: string): HTMLElement[] {
  document.body.innerHTML = '<div class="messages"></div>';
  const parent = document.querySelector('.messages')!;
  return [...pattern].map((c, i) => {
    const el = document.createElement('div');
    el.id = `r${i}`;
    el.dataset.kind = c;
    if (c === 'A' || c === 'P') el.className = 'msg';
    if (c === 'A' || c === 'P' || c === 'x' || c === 'h') el.textContent = `row ${i}`;
    if (c === 'h') el.style.display = 'none';
    parent.append(el);
    return el;
  });
}

const unit = (anchor: Element, ...more: Element[]): RegionUnit & { id: string } => ({ anchor, members: [anchor, ...more], id: anchor.id });

/** What the display manager says: rows with text, or messages, stay in place; rows hidden do not count. */
const separates = (el: Element) => (el as HTMLElement).style.display !== 'none' && ((el.textContent ?? '').trim() !== '' || el.matches('.msg'));

const ids = (regions: (RegionUnit & { id: string })[][]) => regions.map((r) => r.map((u) => u.id));

describe('groupIntoRegions', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
  });

  it('adjacent messages beyond the maximum become full regions and the rest, in document order', () => {
    const rows = list('A'.repeat(2 * REGION_MAX_ITEMS + 20));
    const units = rows.map((r) => unit(r));
    const regions = groupIntoRegions(units, { maxItems: REGION_MAX_ITEMS, separates });
    expect(regions.map((r) => r.length)).toEqual([REGION_MAX_ITEMS, REGION_MAX_ITEMS, 20]);
    expect(regions.flat()).toEqual(units);
  });

  it('restores document order from the order the scanner found them in (viewport first)', () => {
    const rows = list('AAAAAA');
    const units = rows.map((r) => unit(r));
    const shuffled = [units[4]!, units[5]!, units[0]!, units[3]!, units[1]!, units[2]!];
    expect(ids(groupIntoRegions(shuffled, { maxItems: 50, separates }))).toEqual([['r0', 'r1', 'r2', 'r3', 'r4', 'r5']]);
  });

  it('a plain message or a visible notice between two encrypted ones splits the run', () => {
    const rows = list('AAPAAxA');
    const units = rows.filter((r) => r.dataset.kind === 'A').map((r) => unit(r));
    expect(ids(groupIntoRegions(units, { maxItems: 50, separates }))).toEqual([['r0', 'r1'], ['r3', 'r4'], ['r6']]);
  });

  it('joins across elements without text (date marker drawn by CSS) and rows already hidden', () => {
    const rows = list('AmAhA');
    const units = rows.filter((r) => r.dataset.kind === 'A').map((r) => unit(r));
    expect(ids(groupIntoRegions(units, { maxItems: 50, separates }))).toEqual([['r0', 'r2', 'r4']]);
  });

  it('a message not in this batch (scanned later, or already placed) splits the run: nothing joins a placed region', () => {
    const rows = list('AAAA');
    const units = [unit(rows[0]!), unit(rows[1]!), unit(rows[3]!)];
    expect(ids(groupIntoRegions(units, { maxItems: 50, separates }))).toEqual([['r0', 'r1'], ['r3']]);
  });

  it('a multi-part message is one unit; its later rows between two messages do not split them', () => {
    const rows = list('AAAAA');
    const multi = unit(rows[1]!, rows[2]!, rows[3]!);
    const units = [unit(rows[0]!), multi, unit(rows[4]!)];
    expect(ids(groupIntoRegions(units, { maxItems: 50, separates }))).toEqual([['r0', 'r1', 'r4']]);
  });

  it('a message whose parts sit under different parents stays alone', () => {
    const rows = list('AAA');
    const elsewhere = document.createElement('div');
    elsewhere.textContent = 'part 2';
    document.body.append(elsewhere);
    const units = [unit(rows[0]!), unit(rows[1]!, elsewhere), unit(rows[2]!)];
    expect(ids(groupIntoRegions(units, { maxItems: 50, separates }))).toEqual([['r0'], ['r1'], ['r2']]);
  });

  it('messages under different parents never join; parents keep document order', () => {
    document.body.innerHTML = '<div id="a"><p id="a1">x</p><p id="a2">x</p></div><div id="b"><p id="b1">x</p></div>';
    const [a1, a2, b1] = ['a1', 'a2', 'b1'].map((id) => document.getElementById(id)!);
    const regions = groupIntoRegions([unit(b1!), unit(a2!), unit(a1!)], { maxItems: 50, separates: () => true });
    expect(ids(regions)).toEqual([['a1', 'a2'], ['b1']]);
  });

  it('two armors in one element are two items of one region, in text order', () => {
    const rows = list('A');
    const first = { anchor: rows[0]!, members: [rows[0]!], id: 'first' };
    const second = { anchor: rows[0]!, members: [rows[0]!], id: 'second' };
    expect(ids(groupIntoRegions([first, second], { maxItems: 50, separates }))).toEqual([['first', 'second']]);
  });

  it('bounds a region by weight (armor characters) as well as by count', () => {
    const rows = list('AAAA');
    const units = rows.map((r) => unit(r));
    const regions = groupIntoRegions(units, { maxItems: 50, separates, weight: () => 400, maxWeight: 1000 });
    expect(regions.map((r) => r.length)).toEqual([2, 2]);
  });

  it('gives up on long gaps (bounded work per pair) and skips detached rows', () => {
    const rows = list(`A${'m'.repeat(70)}A`);
    const a = unit(rows[0]!);
    const b = unit(rows[71]!);
    const detached = unit(document.createElement('div'));
    expect(ids(groupIntoRegions([a, detached, b], { maxItems: 50, separates, maxGap: 64 }))).toEqual([['r0'], ['r71']]);
    expect(ids(groupIntoRegions([a, b], { maxItems: 50, separates, maxGap: 100 }))).toEqual([['r0', 'r71']]);
  });
});
