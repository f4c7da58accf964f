/** Input checks shared by the core services; all failures are OvercryptError Malformed/TooLarge. */
import { base64DecodedLength, CARD_ID_RE, isBase64 } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';

/** Decodes canonical base64, refusing anything else or anything longer than `maxBytes`. */
export function decodeBase64(value: unknown, what: string, maxBytes: number): Buffer {
  if (typeof value !== 'string' || !isBase64(value)) fail(ErrorCode.Malformed, `${what} is not valid base64`);
  if (base64DecodedLength(value) > maxBytes) fail(ErrorCode.TooLarge, `${what} exceeds ${maxBytes} bytes`);
  return Buffer.from(value, 'base64');
}

export function requireCardId(value: string): string {
  if (!CARD_ID_RE.test(value)) fail(ErrorCode.Malformed, 'card id must be 64 lower-case hex characters');
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding (card snapshots are signed as UTF-8 strings by virgil-sdk). */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    fail(ErrorCode.Malformed, `${what} is not valid UTF-8`);
  }
}
