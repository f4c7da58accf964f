import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteReader, ByteWriter, MAX_VARINT } from '../../../lib/encoding';
import { ErrorCode, isError } from '../../../lib/errors';
import { expectCode } from './expect-error';

describe('ByteWriter / ByteReader', () => {
  it('round-trips every field type', () => {
    fc.assert(
      fc.property(
        fc.record({
          a: fc.integer({ min: 0, max: 255 }),
          b: fc.integer({ min: 0, max: 0xffff }),
          c: fc.integer({ min: 0, max: 0xffff_ffff }),
          d: fc.maxSafeNat(),
          e: fc.uint8Array({ maxLength: 300 }),
          f: fc.string(),
          tag: fc.integer({ min: 0, max: 0xffff_ffff }),
        }),
        (v) => {
          const bytes = new ByteWriter().u8(v.a).u16(v.b).u32(v.c).varint(v.d).lenBytes(v.e).lenUtf8(v.f).tlv(v.tag, v.e).finish();
          const r = new ByteReader(bytes);
          expect(r.u8()).toBe(v.a);
          expect(r.u16()).toBe(v.b);
          expect(r.u32()).toBe(v.c);
          expect(r.varint()).toBe(v.d);
          expect(r.lenBytes(300)).toEqual(v.e);
          expect(r.lenUtf8(1e6)).toBe(new TextDecoder().decode(new TextEncoder().encode(v.f)));
          expect(r.tlv(300)).toEqual({ tag: v.tag, value: v.e });
          r.end();
        },
      ),
    );
  });

  it('writes minimal LEB128', () => {
    expect([...new ByteWriter().varint(0).finish()]).toEqual([0]);
    expect([...new ByteWriter().varint(127).finish()]).toEqual([127]);
    expect([...new ByteWriter().varint(128).finish()]).toEqual([0x80, 1]);
    expect([...new ByteWriter().varint(300).finish()]).toEqual([0xac, 2]);
    expect(new ByteReader(new ByteWriter().varint(MAX_VARINT).finish()).varint()).toBe(MAX_VARINT);
  });

  it('rejects non-minimal, oversized and truncated varints', () => {
    expectCode(() => new ByteReader(Uint8Array.of(0x80, 0)).varint(), ErrorCode.Malformed);
    expectCode(() => new ByteReader(Uint8Array.of(0x80)).varint(), ErrorCode.Malformed);
    expectCode(() => new ByteReader(new Uint8Array(9).fill(0xff)).varint(), ErrorCode.Malformed);
    expectCode(() => new ByteReader(Uint8Array.of(0xac, 2)).varint(299), ErrorCode.Malformed);
  });

  it('bounds every read and reports trailing bytes', () => {
    expectCode(() => new ByteReader(Uint8Array.of(1)).u16(), ErrorCode.Malformed);
    expectCode(() => new ByteReader(Uint8Array.of(5, 1, 2)).lenBytes(100), ErrorCode.Malformed);
    expectCode(() => new ByteReader(Uint8Array.of(5, 1, 2, 3, 4, 5)).lenBytes(4), ErrorCode.Malformed);
    expectCode(() => new ByteReader(Uint8Array.of(1, 2)).bytes(-1), ErrorCode.Malformed);
    const r = new ByteReader(Uint8Array.of(1, 2));
    r.u8();
    expectCode(() => r.end(), ErrorCode.Malformed);
  });

  it('rejects non-byte inputs with Malformed', () => {
    expectCode(() => new ByteReader('abc' as unknown as Uint8Array), ErrorCode.Malformed);
    expectCode(() => new ByteWriter().bytes([1, 2] as unknown as Uint8Array), ErrorCode.Malformed);
  });

  it('rejects out-of-range values on write with Malformed', () => {
    expectCode(() => new ByteWriter().u8(256), ErrorCode.Malformed);
    expectCode(() => new ByteWriter().u16(-1), ErrorCode.Malformed);
    expectCode(() => new ByteWriter().u32(1.5), ErrorCode.Malformed);
    expectCode(() => new ByteWriter().varint(2 ** 53), ErrorCode.Malformed);
  });

  it('reading random bytes only ever throws Malformed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const r = new ByteReader(bytes);
        try {
          while (r.remaining > 0) {
            r.tlv(16);
            r.varint(1000);
            r.lenUtf8(8);
          }
        } catch (e) {
          expect(isError(e, ErrorCode.Malformed)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
