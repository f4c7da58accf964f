import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, concatBytes, fromHex, toHex, utf8Decode, utf8Encode } from '../../../lib/encoding';
import { ErrorCode } from '../../../lib/errors';
import { expectCode } from './expect-error';

describe('bytes helpers', () => {
  it('concatenates in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (parts) => {
        const joined = concatBytes(...parts);
        expect([...joined]).toEqual(parts.flatMap((p) => [...p]));
      }),
    );
  });

  it('compares equal and unequal arrays', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), (a, at) => {
        expect(bytesEqual(a, a.slice())).toBe(true);
        const b = a.slice();
        b[at % b.length] = b[at % b.length]! ^ 1;
        expect(bytesEqual(a, b)).toBe(false);
        expect(bytesEqual(a, a.subarray(1))).toBe(false);
      }),
    );
  });

  it('hex round-trips and rejects bad input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
      expect(fromHex(toHex(a))).toEqual(a);
    }));
    expect(fromHex('ABcd')).toEqual(Uint8Array.of(0xab, 0xcd));
    expectCode(() => fromHex('abc'), ErrorCode.Malformed);
    expectCode(() => fromHex('zz'), ErrorCode.Malformed);
  });

  it('utf8 round-trips well-formed strings and rejects invalid bytes with Malformed', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(utf8Decode(utf8Encode(s))).toBe(s);
    }));
    expectCode(() => utf8Decode(Uint8Array.of(0xc3)), ErrorCode.Malformed);
    expectCode(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80)), ErrorCode.Malformed); // a surrogate
  });
});
