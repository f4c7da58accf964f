/**
 * Tiny bounds-checked binary reader/writer and base64 helpers shared by the forward-secret
 * modules (x3dh, ratchet, senderkeys). Every read past the end or bad value throws
 * `Malformed`, so parsers built on it are total: bounded time, typed errors.
 */
import { ErrorCode, fail } from '../errors';

export class ByteWriter {
  private parts: Uint8Array[] = [];
  private length = 0;

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) fail(ErrorCode.Malformed, 'u8 out of range');
    return this.push(Uint8Array.of(v));
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(ErrorCode.Malformed, 'u32 out of range');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, false);
    return this.push(b);
  }
  /** Fixed-length bytes (the reader must know the length). */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) fail(ErrorCode.Malformed, `expected ${length} bytes`);
    return this.push(bytes);
  }
  /** Bytes with a u16 length prefix. */
  var16(bytes: Uint8Array): this {
    if (bytes.length > 0xffff) fail(ErrorCode.Malformed, 'field too long');
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, bytes.length, false);
    return this.push(b).push(bytes);
  }
  /** Bytes that run to the end of the message. */
  rest(bytes: Uint8Array): this {
    return this.push(bytes);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  private push(bytes: Uint8Array): this {
    this.parts.push(bytes.slice());
    this.length += bytes.length;
    return this;
  }
}

export class ByteReader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) fail(ErrorCode.Malformed, 'message must be bytes');
  }
  get remaining(): number {
    return this.bytes.length - this.at;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }
  fixed(length: number): Uint8Array {
    return this.take(length).slice();
  }
  var16(): Uint8Array {
    const b = this.take(2);
    const len = new DataView(b.buffer, b.byteOffset, 2).getUint16(0, false);
    return this.take(len).slice();
  }
  rest(): Uint8Array {
    return this.take(this.remaining).slice();
  }
  end(): void {
    if (this.remaining !== 0) fail(ErrorCode.Malformed, 'trailing bytes');
  }
  private take(n: number): Uint8Array {
    if (n > this.remaining) fail(ErrorCode.Malformed, 'message truncated');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = new Map([...B64].map((c, i) => [c, i]));

/** Standard padded base64 (no dependency on Buffer/btoa so it runs the same everywhere). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += B64[a >> 2]! + B64[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : B64[c & 63]!;
  }
  return out;
}

export function fromBase64(text: unknown, expectedLength?: number): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0) fail(ErrorCode.Malformed, 'bad base64');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => {
      const ch = text[i + k]!;
      if (ch === '=' && i + 4 === text.length && k >= 4 - pad) return 0;
      const n = B64_LOOKUP.get(ch);
      if (n === undefined) fail(ErrorCode.Malformed, 'bad base64 character');
      return n;
    });
    const n = (v[0]! << 18) | (v[1]! << 12) | (v[2]! << 6) | v[3]!;
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) fail(ErrorCode.Malformed, `expected ${expectedLength} bytes`);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: unknown, expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) fail(ErrorCode.Malformed, 'bad hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (expectedLength !== undefined && out.length !== expectedLength) fail(ErrorCode.Malformed, `expected ${expectedLength} bytes`);
  return out;
}

/** Lexicographic byte comparison (public values only: not constant time). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Reads a field of a parsed JSON object with a type check (for deserialisers). */
export function field<T>(obj: unknown, key: string, check: (v: unknown) => v is T): T {
  if (typeof obj !== 'object' || obj === null) fail(ErrorCode.Malformed, 'expected an object');
  const v = (obj as Record<string, unknown>)[key];
  if (!check(v)) fail(ErrorCode.Malformed, `bad field ${key}`);
  return v;
}

export const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
