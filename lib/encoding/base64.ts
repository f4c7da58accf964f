/**
 * Standard base64 (RFC 4648 §4, with `=` padding), strict on decode: no whitespace,
 * padding required, unused trailing bits must be zero, so every byte string has
 * exactly one accepted encoding. Errors are `Malformed`.
 */
import { ErrorCode, fail } from '../errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

export function base64Decode(text: string): Uint8Array {
  if (text.length % 4 !== 0) fail(ErrorCode.Malformed, 'base64 length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const padHere = i + 4 === text.length ? pad : 0;
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = padHere === 2 ? 0 : sextet(text, i + 2);
    const d = padHere >= 1 ? 0 : sextet(text, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (padHere === 2) {
      if ((n & 0xffff) !== 0) fail(ErrorCode.Malformed, 'base64 has non-zero padding bits');
      break;
    }
    out[o++] = (n >> 8) & 255;
    if (padHere === 1) {
      if ((n & 0xff) !== 0) fail(ErrorCode.Malformed, 'base64 has non-zero padding bits');
      break;
    }
    out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const v = c < 128 ? VALUES[c]! : -1;
  if (v < 0) fail(ErrorCode.Malformed, 'invalid base64 character');
  return v;
}
