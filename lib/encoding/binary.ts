/**
 * A compact binary writer and a bounds-checked reader: fixed-width integers
 * (big-endian), unsigned LEB128 varints (minimal encoding enforced on read, so
 * decoding is canonical), length-prefixed byte strings and tag-length-value
 * records. Every read is bounded by the input; every failure is an
 * `OvercryptError` with code `Malformed` — a reader never throws anything else.
 */
import { ErrorCode, fail } from '../errors';
import { concatBytes, utf8Decode, utf8Encode } from './bytes';

/** Largest varint accepted: 2^53 - 1 (exact in a JS number). */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  u8(value: number): this {
    checkUint(value, 0xff);
    return this.push(Uint8Array.of(value));
  }

  u16(value: number): this {
    checkUint(value, 0xffff);
    return this.push(Uint8Array.of(value >>> 8, value & 255));
  }

  u32(value: number): this {
    checkUint(value, 0xffff_ffff);
    return this.push(Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255));
  }

  /** Unsigned LEB128, minimal length, value ≤ 2^53 - 1. */
  varint(value: number): this {
    checkUint(value, MAX_VARINT);
    const out: number[] = [];
    let v = value;
    while (v >= 128) {
      out.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return this.push(Uint8Array.from(out));
  }

  /** Raw bytes, no length. */
  bytes(value: Uint8Array): this {
    if (!(value instanceof Uint8Array)) fail(ErrorCode.Malformed, 'value must be bytes');
    return this.push(value.slice());
  }

  /** Varint length, then the bytes. */
  lenBytes(value: Uint8Array): this {
    return this.varint(value.length).bytes(value);
  }

  /** Varint length, then the UTF-8 bytes. */
  lenUtf8(value: string): this {
    return this.lenBytes(utf8Encode(value));
  }

  /** A TLV record: varint tag, varint length, value. */
  tlv(tag: number, value: Uint8Array): this {
    return this.varint(tag).lenBytes(value);
  }

  get byteLength(): number {
    return this.length;
  }

  finish(): Uint8Array {
    return concatBytes(...this.chunks);
  }

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }
}

/** Writer inputs are programmer-controlled: a bad value is still a typed error, never a silent truncation. */
function checkUint(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    fail(ErrorCode.Malformed, `integer out of range 0..${max}`);
  }
}

export class ByteReader {
  private at = 0;

  constructor(private readonly data: Uint8Array) {
    if (!(data instanceof Uint8Array)) fail(ErrorCode.Malformed, 'input must be bytes');
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.data.length - this.at;
  }

  u8(): number {
    this.need(1);
    return this.data[this.at++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.data[this.at]! << 8) | this.data[this.at + 1]!;
    this.at += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const d = this.data;
    const v = d[this.at]! * 0x100_0000 + ((d[this.at + 1]! << 16) | (d[this.at + 2]! << 8) | d[this.at + 3]!);
    this.at += 4;
    return v;
  }

  /** Minimal unsigned LEB128 ≤ `max` (default 2^53 - 1); longer or non-minimal forms are `Malformed`. */
  varint(max: number = MAX_VARINT): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      value += (b & 127) * scale;
      if (value > max) fail(ErrorCode.Malformed, 'varint exceeds its maximum');
      if ((b & 128) === 0) {
        if (b === 0 && i > 0) fail(ErrorCode.Malformed, 'varint is not minimally encoded');
        return value;
      }
      scale *= 128;
    }
    return fail(ErrorCode.Malformed, 'varint is too long');
  }

  /** Exactly `length` bytes (a copy). */
  bytes(length: number): Uint8Array {
    this.need(length);
    const v = this.data.slice(this.at, this.at + length);
    this.at += length;
    return v;
  }

  /** Varint length (≤ maxLength), then that many bytes. */
  lenBytes(maxLength: number): Uint8Array {
    return this.bytes(this.varint(maxLength));
  }

  /** Varint length (≤ maxBytes), then strict UTF-8. */
  lenUtf8(maxBytes: number): string {
    return utf8Decode(this.lenBytes(maxBytes));
  }

  /** A TLV record; the value is bounded by `maxLength` and by the input. */
  tlv(maxLength: number): { tag: number; value: Uint8Array } {
    const tag = this.varint(0xffff_ffff);
    return { tag, value: this.lenBytes(maxLength) };
  }

  /** All bytes not read yet (a copy). */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Fails unless every byte was read: trailing bytes would make encodings non-canonical. */
  end(): void {
    if (this.at !== this.data.length) fail(ErrorCode.Malformed, 'trailing bytes');
  }

  private need(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.data.length - this.at) {
      fail(ErrorCode.Malformed, 'input ends too early');
    }
  }
}
