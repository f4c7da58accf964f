import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BASE62_ALPHABET,
  base62DecodedLength,
  base62Decode,
  base62Encode,
  base62Length,
  isBase62,
} from '../../../lib/encoding';
import { ErrorCode, isError } from '../../../lib/errors';
import { expectCode } from './expect-error';

/** Independent reference: each block as a BigInt, written in base 62 with fixed width. */
function referenceEncode(bytes: Uint8Array): string {
  const widths = [0, 2, 3, 5, 6, 7, 9, 10, 11];
  let out = '';
  for (let at = 0; at < bytes.length; at += 8) {
    const block = bytes.subarray(at, at + 8);
    let n = 0n;
    for (const b of block) n = n * 256n + BigInt(b);
    let s = '';
    for (let i = 0; i < widths[block.length]!; i++) {
      s = BASE62_ALPHABET[Number(n % 62n)]! + s;
      n /= 62n;
    }
    out += s;
  }
  return out;
}

describe('base62 block codec', () => {
  it('matches an independent BigInt computation and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (a) => {
        const s = base62Encode(a);
        expect(s).toBe(referenceEncode(a));
        expect(s.length).toBe(base62Length(a.length));
        expect(base62DecodedLength(s.length)).toBe(a.length);
        expect(isBase62(s)).toBe(true);
        expect(base62Decode(s)).toEqual(a);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes the extremes of a block', () => {
    expect(base62Encode(new Uint8Array(8))).toBe('00000000000');
    const max = base62Encode(new Uint8Array(8).fill(255));
    expect(max).toBe(referenceEncode(new Uint8Array(8).fill(255)));
    expect(base62Decode(max)).toEqual(new Uint8Array(8).fill(255));
  });

  it('rejects impossible lengths, bad characters and overflowing blocks with Malformed', () => {
    for (const len of [1, 4, 8, 12, 15, 19]) expectCode(() => base62Decode('0'.repeat(len)), ErrorCode.Malformed);
    expectCode(() => base62Decode('0000000000-'), ErrorCode.Malformed);
    expectCode(() => base62Decode('zzzzzzzzzzz'), ErrorCode.Malformed); // 62^11-1 > 2^64-1
    expectCode(() => base62Decode('zz'), ErrorCode.Malformed); // 3843 > 255
    expectCode(() => base62Decode('4b'), ErrorCode.Malformed); // 4*62+37 = 285 > 255
    expect(base62Decode('47')).toEqual(Uint8Array.of(255)); // 4*62+7 = 255
  });

  it('is total and canonical: any alphanumeric string decodes to bytes that re-encode to it, or gives Malformed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom(...(BASE62_ALPHABET + '+/ é').split('')) }), (s) => {
        try {
          expect(base62Encode(base62Decode(s))).toBe(s);
        } catch (e) {
          expect(isError(e, ErrorCode.Malformed)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('encodes 2 KB quickly (linear time)', () => {
    const data = new Uint8Array(2048).map((_, i) => (i * 131) & 255);
    const start = performance.now();
    for (let i = 0; i < 50; i++) base62Decode(base62Encode(data));
    // ~0.2 ms per round trip measured; 20 ms each leaves room for a loaded machine.
    expect((performance.now() - start) / 50).toBeLessThan(20);
  });
});
