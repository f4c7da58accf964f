/**
 * The versioned outer envelope every Overcrypt message travels in:
 * `{ version, kind, body }`. The body is opaque here; its owner (card mode,
 * ratchet, sender keys, groups) defines it.
 *
 * Binary form (mailbox and other byte transports):
 *   byte 0      version (1)
 *   byte 1      kind code (EnvelopeKind)
 *   bytes 2..   body (0..MAX_ENVELOPE_BODY bytes)
 * Text form: see armor.ts (the version and kind become characters of the prefix).
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import { concatBytes } from '../encoding/bytes';

export const ENVELOPE_VERSION = 1;

/** Largest body accepted anywhere (card mode to ~4,000 devices fits). */
export const MAX_ENVELOPE_BODY = 1024 * 1024;

/** What the body is. Codes and armor letters are part of the wire format: never renumber. */
export const EnvelopeKind = {
  /** Card mode: one signAndEncrypt to every card of every participant (webmail default). */
  CardMessage: 1,
  /** A pairwise ratchet message that starts a session (carries the X3DH data). */
  PrekeyMessage: 2,
  /** A pairwise Double Ratchet message. */
  RatchetMessage: 3,
  /** A conversation message under the sender's sender key (chat default). */
  SenderKeyMessage: 4,
  /** A sender key handed to one device (inside a pairwise session). */
  SenderKeyDistribution: 5,
  /** Group records and other control data. */
  Control: 6,
} as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

/** The armor letter of each kind (one character after `OC1`). */
export const KIND_LETTER: Readonly<Record<EnvelopeKind, string>> = {
  [EnvelopeKind.CardMessage]: 'C',
  [EnvelopeKind.PrekeyMessage]: 'P',
  [EnvelopeKind.RatchetMessage]: 'R',
  [EnvelopeKind.SenderKeyMessage]: 'S',
  [EnvelopeKind.SenderKeyDistribution]: 'D',
  [EnvelopeKind.Control]: 'X',
};

const KIND_BY_LETTER: ReadonlyMap<string, EnvelopeKind> = new Map(
  Object.entries(KIND_LETTER).map(([code, letter]) => [letter, Number(code) as EnvelopeKind]),
);

export interface Envelope {
  readonly version: typeof ENVELOPE_VERSION;
  readonly kind: EnvelopeKind;
  readonly body: Uint8Array;
}

export function isEnvelopeKind(value: number): value is EnvelopeKind {
  return Number.isInteger(value) && value >= 1 && value <= 6;
}

/** The kind for an armor letter, or undefined. */
export function kindFromLetter(letter: string): EnvelopeKind | undefined {
  return KIND_BY_LETTER.get(letter);
}

/** Builds an envelope after checking kind and size. */
export function makeEnvelope(kind: EnvelopeKind, body: Uint8Array): Envelope {
  checkEnvelope(kind, body);
  return { version: ENVELOPE_VERSION, kind, body };
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  if (typeof envelope !== 'object' || envelope === null) fail(ErrorCode.Malformed, 'not an envelope');
  if (envelope.version !== ENVELOPE_VERSION) fail(ErrorCode.UnsupportedVersion, 'unsupported envelope version');
  checkEnvelope(envelope.kind, envelope.body);
  return concatBytes(Uint8Array.of(envelope.version, envelope.kind), envelope.body);
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) fail(ErrorCode.Malformed, 'envelope too short');
  const version = bytes[0]!;
  if (version !== ENVELOPE_VERSION) {
    throw new OvercryptError(ErrorCode.UnsupportedVersion, 'unsupported envelope version', { version });
  }
  const kind = bytes[1]!;
  if (!isEnvelopeKind(kind)) fail(ErrorCode.Malformed, 'unknown envelope kind');
  const body = bytes.slice(2);
  if (body.length > MAX_ENVELOPE_BODY) fail(ErrorCode.TooLarge, 'envelope body too large');
  return { version: ENVELOPE_VERSION, kind, body };
}

function checkEnvelope(kind: number, body: Uint8Array): void {
  if (!isEnvelopeKind(kind)) fail(ErrorCode.Malformed, 'unknown envelope kind');
  if (!(body instanceof Uint8Array)) fail(ErrorCode.Malformed, 'envelope body must be bytes');
  if (body.length > MAX_ENVELOPE_BODY) fail(ErrorCode.TooLarge, 'envelope body too large');
}
