import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ENVELOPE_VERSION,
  EnvelopeKind,
  KIND_LETTER,
  MAX_ENVELOPE_BODY,
  decodeEnvelope,
  encodeEnvelope,
  kindFromLetter,
  makeEnvelope,
} from '../../../lib/wire';
import { ErrorCode, isError } from '../../../lib/errors';
import { expectCode } from '../encoding/expect-error';

const kinds = Object.values(EnvelopeKind);

describe('envelope', () => {
  it('has six kinds with distinct codes and letters', () => {
    expect(kinds).toHaveLength(6);
    expect(new Set(kinds.map((k) => KIND_LETTER[k])).size).toBe(6);
    for (const k of kinds) expect(kindFromLetter(KIND_LETTER[k])).toBe(k);
  });

  it('round-trips through bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 300 }), (kind, body) => {
        const bytes = encodeEnvelope(makeEnvelope(kind, body));
        expect(bytes[0]).toBe(ENVELOPE_VERSION);
        expect(bytes[1]).toBe(kind);
        expect(decodeEnvelope(bytes)).toEqual({ version: 1, kind, body });
      }),
    );
  });

  it('gives typed errors for bad envelopes', () => {
    expectCode(() => decodeEnvelope(new Uint8Array(1)), ErrorCode.Malformed);
    expectCode(() => decodeEnvelope(Uint8Array.of(2, 1)), ErrorCode.UnsupportedVersion);
    expectCode(() => decodeEnvelope(Uint8Array.of(1, 0)), ErrorCode.Malformed);
    expectCode(() => decodeEnvelope(Uint8Array.of(1, 7)), ErrorCode.Malformed);
    expectCode(() => makeEnvelope(9 as EnvelopeKind, new Uint8Array(0)), ErrorCode.Malformed);
    expectCode(() => makeEnvelope(EnvelopeKind.Control, new Uint8Array(MAX_ENVELOPE_BODY + 1)), ErrorCode.TooLarge);
    expectCode(() => encodeEnvelope({ version: 2 as 1, kind: EnvelopeKind.Control, body: new Uint8Array() }), ErrorCode.UnsupportedVersion);
  });

  it('decoding any bytes gives an envelope or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 10 }), (b) => {
        try {
          expect(encodeEnvelope(decodeEnvelope(b))).toEqual(b);
        } catch (e) {
          expect(isError(e)).toBe(true);
        }
      }),
    );
  });
});
