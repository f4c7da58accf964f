import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EnvelopeKind,
  MAX_ARMOR_PARTS,
  MULTI_PART_OVERHEAD,
  Reassembler,
  SINGLE_PART_OVERHEAD,
  armorEnvelope,
  armoredLength,
  dearmor,
  findArmor,
  makeEnvelope,
  splitArmor,
  type ArmorPart,
  type Envelope,
} from '../../../lib/wire';
import { ErrorCode, isError } from '../../../lib/errors';
import { expectCode } from '../encoding/expect-error';
import * as t from './transforms';

const envelopeArb: fc.Arbitrary<Envelope> = fc
  .tuple(fc.constantFrom(...Object.values(EnvelopeKind)), fc.uint8Array({ maxLength: 1200 }))
  .map(([kind, body]) => makeEnvelope(kind, body));

/** Plain chat text around armor: markup characters, emoji, mentions, no accidental armor. */
const chatTextArb = fc.string({
  maxLength: 40,
  unit: fc.constantFrom(...'hello wörld _*~`#@:/>&<;'.split(''), ' ', '\n', '🔐', 'é'),
});

function partsOf(text: string): ArmorPart[] {
  return findArmor(text).map((m) => {
    if (!m.ok) throw m.error;
    return m.part;
  });
}

describe('armor format', () => {
  it('is letters and digits only, starts with OC1 and the kind letter', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const a = armorEnvelope(env);
        expect(a).toMatch(/^OC1[CPRSDX][0-9A-Za-z]+$/);
        expect(a.length).toBe(armoredLength(env.body.length));
        expect(dearmor(a)).toEqual(env);
      }),
      { numRuns: 200 },
    );
  });

  it('costs 12 characters plus 1.375 per body byte in one part', () => {
    expect(armoredLength(0)).toBe(SINGLE_PART_OVERHEAD);
    expect(armoredLength(100)).toBe(12 + 12 * 11 + 6); // 12 full blocks + a 4-byte block
  });

  it('finds each armor with its offsets in surrounding text', () => {
    fc.assert(
      fc.property(chatTextArb, envelopeArb, chatTextArb, envelopeArb, chatTextArb, (a, e1, b, e2, c) => {
        const x = armorEnvelope(e1);
        const y = armorEnvelope(e2);
        const text = a + x + b + y + c;
        const found = findArmor(text);
        expect(found).toHaveLength(2);
        expect(found.map((m) => [m.start, m.end])).toEqual([
          [a.length, a.length + x.length],
          [a.length + x.length + b.length, text.length - c.length],
        ]);
      }),
      { numRuns: 200 },
    );
  });

  it('returns nothing for text without armor', () => {
    fc.assert(
      fc.property(chatTextArb, (s) => {
        expect(findArmor(s)).toEqual([]);
      }),
    );
    expect(findArmor('OC1 is an armor prefix; OC1C1000 too short; OCOCOC1S')).toEqual([]);
  });
});

describe('armor survives what chats and mail do to text', () => {
  const transforms: [string, (s: string, rng: t.Rng) => string][] = [
    ['markdown escape', (s) => t.markdownEscape(s)],
    ['markdown escape + render', (s) => t.markdownRenderText(t.markdownUnescape(t.markdownEscape(s)))],
    ['html escape', (s) => t.htmlEscape(s)],
    ['html escape + unescape', (s) => t.htmlUnescape(t.htmlEscape(s))],
    ['hard wrap 76', (s) => t.hardWrap(s, 76)],
    ['hard wrap 998 CRLF', (s) => t.hardWrap(s, 998, '\r\n')],
    ['hard wrap 7 then > quote', (s) => t.quote(t.hardWrap(s, 7))],
    ['quote twice', (s) => t.quote(t.quote(t.hardWrap(s, 40)), '>')],
    ['quote then html escape (raw &gt;)', (s) => t.htmlEscape(t.quote(t.hardWrap(s, 30)))],
    ['quote then markdown escape (\\>)', (s) => t.markdownEscape(t.quote(t.hardWrap(s, 30)))],
    ['quote then line breaks lost', (s) => t.quote(t.hardWrap(s, 20)).replace(/\n/g, '')],
    ['zero-width injection', (s, r) => t.injectZeroWidth(s, r, 0.2)],
    ['newline injection', (s, r) => t.injectNewlines(s, r, 0.1)],
    ['whitespace injection', (s, r) => t.injectWhitespace(s, r, 0.1)],
    ['whitespace collapse', (s, r) => t.collapseWhitespace(t.injectNewlines(s, r))],
    ['html <br> and <wbr> shown raw', (s) => t.hardWrap(s, 50, '<br>\n').replace(/(.{9})/g, '$1<wbr>')],
    ['entities for invisible characters', (s) => s.replace(/(.{11})/g, '$1&#8203;&nbsp;&shy;&zwj;')],
    ['everything at once', (s, r) => t.htmlEscape(t.quote(t.hardWrap(t.injectWhitespace(t.injectZeroWidth(s, r), r), 33)))],
  ];

  for (const [name, transform] of transforms) {
    it(name, () => {
      fc.assert(
        fc.property(envelopeArb, fc.integer({ min: 60, max: 2000 }), chatTextArb, chatTextArb, fc.nat(), (env, max, pre, post, seed) => {
          const rng = t.seededRng(seed);
          const parts = splitArmor(env, max);
          const text = transform(pre + ' ' + parts.join('\n') + ' ' + post, rng);
          expect(dearmor(text)).toEqual(env);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('contains nothing that chat sites interpret: no /, :, @, spaces, markup or IRC channel prefixes', () => {
    fc.assert(
      fc.property(envelopeArb, fc.integer({ min: 40, max: 500 }), (env, max) => {
        for (const p of splitArmor(env, max)) {
          expect(p).not.toMatch(/[^0-9A-Za-z]/);
          expect(p[0]).toBe('O');
        }
      }),
    );
  });
});

describe('chunking and reassembly', () => {
  it('splits into parts of at most maxChars that reassemble in any order', () => {
    fc.assert(
      fc.property(envelopeArb, fc.integer({ min: 19, max: 600 }), fc.nat(), (env, max, seed) => {
        let parts: string[];
        try {
          parts = splitArmor(env, max);
        } catch (e) {
          expect(isError(e, ErrorCode.TooLarge)).toBe(true);
          return;
        }
        for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
        const shuffled = fc.sample(fc.shuffledSubarray(parts, { minLength: parts.length }), { seed, numRuns: 1 })[0]!;
        const r = new Reassembler({ maxParts: MAX_ARMOR_PARTS });
        const results = shuffled.map((p) => r.add(partsOf(p)[0]!));
        expect(results.slice(0, -1).every((x) => x.status === 'pending')).toBe(true);
        const last = results[results.length - 1]!;
        expect(last.status).toBe('complete');
        if (last.status === 'complete') expect(last.envelope).toEqual(env);
        expect(r.pendingCount).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("fits The Lounge's 350-byte IRC limit", () => {
    const env = makeEnvelope(EnvelopeKind.CardMessage, new Uint8Array(2000).fill(9));
    const parts = splitArmor(env, 350);
    expect(parts.length).toBe(Math.ceil((2750 + 0) / (350 - MULTI_PART_OVERHEAD)));
    for (const p of parts) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(350);
  });

  it('interleaves parts of several messages from several page messages', () => {
    const envs = [1, 2, 3].map((k) => makeEnvelope(EnvelopeKind.SenderKeyMessage, new Uint8Array(400).fill(k)));
    const all = envs.flatMap((e) => splitArmor(e, 120));
    const r = new Reassembler();
    const done: Envelope[] = [];
    for (let i = all.length - 1; i >= 0; i -= 2) for (const p of partsOf(all[i]!)) { const x = r.add(p); if (x.status === 'complete') done.push(x.envelope); }
    for (let i = all.length - 2; i >= 0; i -= 2) for (const p of partsOf(all[i]!)) { const x = r.add(p); if (x.status === 'complete') done.push(x.envelope); }
    expect(done.sort((a, b) => a.body[0]! - b.body[0]!)).toEqual(envs);
  });

  it("survives The Lounge's own splitting when parts are sent space-separated in one line", () => {
    fc.assert(
      fc.property(envelopeArb, chatTextArb, fc.nat(), (env, pre, seed) => {
        const line = pre.replace(/\n/g, ' ') + ' ' + splitArmor(env, 350).join(' ');
        const messages = t.ircSplit(line, 350);
        const order = fc.sample(fc.shuffledSubarray(messages, { minLength: messages.length }), { seed, numRuns: 1 })[0]!;
        const r = new Reassembler();
        const done: Envelope[] = [];
        for (const m of order) {
          expect(Buffer.byteLength(m, 'utf8')).toBeLessThanOrEqual(350);
          for (const p of partsOf(m)) {
            const x = r.add(p);
            if (x.status === 'complete') done.push(x.envelope);
          }
        }
        expect(done).toEqual([env]);
      }),
      { numRuns: 100 },
    );
  });

  it('ignores a duplicate part and refuses a conflicting one', () => {
    const env = makeEnvelope(EnvelopeKind.RatchetMessage, new Uint8Array(300).fill(1));
    const parts = splitArmor(env, 250).map((p) => partsOf(p)[0]!);
    expect(parts).toHaveLength(2);
    const [p0, p1] = parts;
    const r = new Reassembler();
    expect(r.add(p0!).status).toBe('pending');
    expect(r.add(p0!)).toMatchObject({ status: 'pending', received: 1 });
    expectCode(() => r.add({ ...p0!, data: p0!.data.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }), ErrorCode.Conflict);
    expect(r.add(p1!).status).toBe('complete');
  });

  it('refuses parts that do not belong together (set id check) with Tampered', () => {
    const env = makeEnvelope(EnvelopeKind.RatchetMessage, new Uint8Array(300).fill(1));
    const parts = splitArmor(env, 250).map((p) => partsOf(p)[0]!);
    expect(parts).toHaveLength(2);
    const [p0, p1] = parts;
    const r = new Reassembler();
    r.add(p0!);
    expectCode(() => r.add({ ...p1!, data: p1!.data.slice(0, -1) + (p1!.data.endsWith('0') ? '1' : '0') }), ErrorCode.Tampered);
    expect(r.pendingCount).toBe(0);
  });

  it('caps parts per message and pending messages', () => {
    const big = makeEnvelope(EnvelopeKind.CardMessage, new Uint8Array(1000));
    const parts = splitArmor(big, 60).map((p) => partsOf(p)[0]!);
    expect(parts.length).toBeGreaterThan(4);
    expectCode(() => new Reassembler({ maxParts: 4 }).add(parts[0]!), ErrorCode.TooLarge);

    const r = new Reassembler({ maxPending: 3 });
    for (let k = 0; k < 10; k++) {
      const first = partsOf(splitArmor(makeEnvelope(EnvelopeKind.Control, new Uint8Array(200).fill(k)), 100)[0]!)[0]!;
      r.add(first);
      expect(r.pendingCount).toBeLessThanOrEqual(3);
    }
    const r2 = new Reassembler({ maxPendingChars: 500 });
    for (let k = 0; k < 10; k++) r2.add(partsOf(splitArmor(makeEnvelope(EnvelopeKind.Control, new Uint8Array(600).fill(k)), 300)[0]!)[0]!);
    expect(r2.pendingCount).toBeLessThanOrEqual(2);
  });

  it('gives typed errors for maxChars too small and messages needing too many parts', () => {
    const env = makeEnvelope(EnvelopeKind.Control, new Uint8Array(100));
    expectCode(() => splitArmor(env, 12), ErrorCode.Malformed);
    expectCode(() => splitArmor(env, 18), ErrorCode.Malformed);
    expectCode(() => splitArmor(makeEnvelope(EnvelopeKind.Control, new Uint8Array(5000)), 40), ErrorCode.TooLarge);
    expectCode(() => armorEnvelope(makeEnvelope(EnvelopeKind.Control, new Uint8Array(200_000))), ErrorCode.TooLarge);
    expect(splitArmor(makeEnvelope(EnvelopeKind.Control, new Uint8Array(200_000)), 100_000)).toHaveLength(3);
  });

  it('refuses non-objects with Malformed', () => {
    expectCode(() => new Reassembler().add(null as unknown as ArmorPart), ErrorCode.Malformed);
    expectCode(() => splitArmor(null as unknown as Envelope, 100), ErrorCode.Malformed);
    expectCode(() => armorEnvelope({ version: 1, kind: EnvelopeKind.Control, body: 'x' as unknown as Uint8Array }), ErrorCode.Malformed);
    expectCode(() => findArmor(42 as unknown as string), ErrorCode.Malformed);
  });

  it('refuses invalid hand-made parts with Malformed', () => {
    const good = partsOf(armorEnvelope(makeEnvelope(EnvelopeKind.Control, new Uint8Array(8))))[0]!;
    for (const bad of [{ count: 0 }, { count: 62 }, { index: 1 }, { setId: 'abc' }, { kind: 9 }, { version: 2 }, { data: 'x' }]) {
      const r = new Reassembler();
      try {
        r.add({ ...good, ...bad } as ArmorPart);
        throw new Error('accepted');
      } catch (e) {
        expect(isError(e, ErrorCode.Malformed)).toBe(true);
      }
    }
  });
});

describe('damaged armor', () => {
  const env = makeEnvelope(EnvelopeKind.SenderKeyMessage, new Uint8Array(120).map((_, i) => i));
  const armor = armorEnvelope(env);

  it('reports any single changed character after the prefix as Tampered, with the armor range', () => {
    for (let i = 8; i < armor.length; i++) {
      const c = armor[i] === 'Z' ? 'Y' : 'Z';
      const text = 'see: ' + armor.slice(0, i) + c + armor.slice(i + 1) + ' ok';
      const found = findArmor(text);
      expect(found).toHaveLength(1);
      const m = found[0]!;
      expect(m.ok).toBe(false);
      if (!m.ok) expect(m.error.code).toBe(ErrorCode.Tampered);
      expect(m.start).toBe(5);
      expectCode(() => dearmor(text), ErrorCode.Tampered);
    }
  });

  it('reports two swapped adjacent characters as Tampered', () => {
    for (let i = 8; i + 1 < armor.length; i++) {
      if (armor[i] === armor[i + 1]) continue;
      const text = armor.slice(0, i) + armor[i + 1] + armor[i] + armor.slice(i + 2);
      expectCode(() => dearmor(text), ErrorCode.Tampered);
    }
  });

  it('does not report damage where a valid armor is found', () => {
    const text = armor.slice(0, 40) + armorEnvelope(env);
    const found = findArmor(text);
    expect(found.filter((m) => m.ok)).toHaveLength(1);
  });

  it('dearmor: none, several and incomplete are Malformed', () => {
    expectCode(() => dearmor('no armor'), ErrorCode.Malformed);
    expectCode(() => dearmor(armor + armor), ErrorCode.Malformed);
    expectCode(() => dearmor(splitArmor(env, 80)[0]!), ErrorCode.Malformed);
  });
});
