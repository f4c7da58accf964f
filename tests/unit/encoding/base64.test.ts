import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../../../lib/encoding';
import { ErrorCode, isError } from '../../../lib/errors';
import { expectCode } from './expect-error';

describe('base64', () => {
  it('matches Node for any bytes and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (a) => {
        const s = base64Encode(a);
        expect(s).toBe(Buffer.from(a).toString('base64'));
        expect(base64Decode(s)).toEqual(a);
      }),
    );
  });

  it('RFC 4648 vectors', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [plain, b64] of vectors) {
      expect(base64Encode(new TextEncoder().encode(plain))).toBe(b64);
      expect(new TextDecoder().decode(base64Decode(b64))).toBe(plain);
    }
  });

  it('rejects non-canonical and invalid input with Malformed', () => {
    for (const bad of ['Zg', 'Zh==', 'Zm9=', 'Z===', '====', 'Zm 9v', 'Zm9v\n', 'Zg=a', 'Zm-_', 'é===']) {
      expectCode(() => base64Decode(bad), ErrorCode.Malformed);
    }
  });

  it('is total: any string decodes or gives Malformed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24, unit: fc.constantFrom(...'AZaz09+/=é \n'.split('')) }), (s) => {
        try {
          const bytes = base64Decode(s);
          expect(base64Encode(bytes)).toBe(s); // anything accepted is canonical
        } catch (e) {
          expect(isError(e, ErrorCode.Malformed)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
