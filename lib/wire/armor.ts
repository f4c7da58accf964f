/**
 * Armor: the text form of an envelope, made only of ASCII letters and digits so
 * that chat sites and mail leave it alone (no Markdown, HTML, emoji, mention,
 * command or IRC-split trigger), self-delimiting so it can be found in any page
 * text, and checksummed so noise is never mistaken for a message.
 *
 *   single part:  O C 1 K N=1           L L L  data…  S S S S
 *   one of N ≥ 2: O C 1 K N   I H H H H H L L L  data…  S S S S
 *
 *   OC     magic
 *   1      envelope version (base62 digit)
 *   K      kind letter (KIND_LETTER: C P R S D X)
 *   N      part count, base62 digit 1..61
 *   I      part index, base62 digit 0..N-1              (only when N ≥ 2)
 *   HHHHH  set id: content hash of the whole message    (only when N ≥ 2)
 *   LLL    length of this part's data in characters, base62 (≤ 238,327)
 *   data   this part's slice of base62(body) (see encoding/base62.ts)
 *   SSSS   checksum of every character from `O` to the end of data
 *
 * The checksum and set id are polynomial hashes modulo a prime (any single
 * substituted character and any swap of two adjacent different characters
 * always change them); they detect accidents and let the finder run in linear
 * time. Authenticity comes from the cryptography inside the body, not from here.
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import { base62Decode, base62Encode, base62Value, BASE62_ALPHABET } from '../encoding/base62';
import { cleanText } from './armor-text';
import { ENVELOPE_VERSION, KIND_LETTER, MAX_ENVELOPE_BODY, kindFromLetter, makeEnvelope } from './envelope';
import type { Envelope, EnvelopeKind } from './envelope';

export const ARMOR_MAGIC = 'OC';
/** Parts per message: the count is one base62 digit. */
export const MAX_ARMOR_PARTS = 61;
/** Data characters in one part: the length is three base62 digits. */
export const MAX_PART_DATA = 62 ** 3 - 1;
/** Characters of a single-part armor that are not data. */
export const SINGLE_PART_OVERHEAD = 12;
/** Characters of each part of a multi-part armor that are not data. */
export const MULTI_PART_OVERHEAD = 18;
/** findArmor refuses longer texts (TooLarge) to bound memory (~8 bytes per character). */
export const MAX_SCAN_LENGTH = 8 * 1024 * 1024;
/** A structurally valid candidate with a bad checksum is reported as damaged only from this data length on. */
const MIN_DAMAGED_DATA = 16;

const CHECK_PRIME = 14_776_331; // largest prime < 62^4
const SET_PRIME = 916_132_829; // largest prime < 62^5
const HASH_BASE = 127; // small, so the finder's prefix sums stay in int32 arithmetic (127·2^24 < 2^31)
const SEPARATOR = 46; // what cleanText writes for a character that breaks an armor
/** base62 value + 1 by ASCII code (0 for the separator): local, hot in the finder's loops. */
const HASH_VALUE = new Uint8Array(128);
for (let v = 0; v < 62; v++) HASH_VALUE[BASE62_ALPHABET.charCodeAt(v)] = v + 1;

/** One part found in text. */
export interface ArmorPart {
  readonly version: typeof ENVELOPE_VERSION;
  readonly kind: EnvelopeKind;
  /** 0-based index of this part. */
  readonly index: number;
  /** Number of parts of the message (1 = single part). */
  readonly count: number;
  /** Content hash naming the message the part belongs to ('' when count = 1). */
  readonly setId: string;
  /** This part's base62 data. */
  readonly data: string;
}

/** An armor found in text; `start`/`end` are UTF-16 offsets in the original text (end exclusive). */
export type ArmorMatch =
  | { readonly ok: true; readonly start: number; readonly end: number; readonly part: ArmorPart }
  | { readonly ok: false; readonly start: number; readonly end: number; readonly error: OvercryptError };

// ---------------------------------------------------------------- writing

/** The single-part armor of an envelope (TooLarge if the body does not fit one part). */
export function armorEnvelope(envelope: Envelope): string {
  const data = encodeBody(envelope);
  if (data.length > MAX_PART_DATA) fail(ErrorCode.TooLarge, 'body too large for one armor part');
  return writePart(envelope.kind, 1, 0, '', data);
}

/**
 * The armor of an envelope in as few parts as fit `maxChars` characters each
 * (all ASCII, so characters = UTF-8 bytes). One part when it fits; otherwise
 * parts of near-equal size. TooLarge if more than MAX_ARMOR_PARTS are needed,
 * Malformed if `maxChars` cannot hold a part with at least one data character.
 */
export function splitArmor(envelope: Envelope, maxChars: number): string[] {
  if (!(maxChars >= SINGLE_PART_OVERHEAD + 1)) fail(ErrorCode.Malformed, 'maxChars too small for an armor part');
  const data = encodeBody(envelope);
  if (data.length + SINGLE_PART_OVERHEAD <= maxChars && data.length <= MAX_PART_DATA) {
    return [writePart(envelope.kind, 1, 0, '', data)];
  }
  const perPart = Math.min(Math.floor(maxChars) - MULTI_PART_OVERHEAD, MAX_PART_DATA);
  if (perPart < 1) fail(ErrorCode.Malformed, 'maxChars too small for a multi-part armor');
  const count = Math.ceil(data.length / perPart);
  if (count > MAX_ARMOR_PARTS) {
    throw new OvercryptError(ErrorCode.TooLarge, 'message needs too many armor parts', { count });
  }
  const size = Math.ceil(data.length / count);
  const setId = setIdOf(envelope.kind, count, data);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(writePart(envelope.kind, count, i, setId, data.slice(i * size, (i + 1) * size)));
  return parts;
}

/** Armor characters for a body of `bodyBytes` bytes in one part (for overhead budgets). */
export function armoredLength(bodyBytes: number): number {
  return SINGLE_PART_OVERHEAD + Math.floor(bodyBytes / 8) * 11 + [0, 2, 3, 5, 6, 7, 9, 10][bodyBytes % 8]!;
}

function encodeBody(envelope: Envelope): string {
  if (typeof envelope !== 'object' || envelope === null) fail(ErrorCode.Malformed, 'not an envelope');
  const checked = makeEnvelope(envelope.kind, envelope.body);
  if (envelope.version !== ENVELOPE_VERSION) fail(ErrorCode.UnsupportedVersion, 'unsupported envelope version');
  return base62Encode(checked.body);
}

function writePart(kind: EnvelopeKind, count: number, index: number, setId: string, data: string): string {
  let head = ARMOR_MAGIC + BASE62_ALPHABET[ENVELOPE_VERSION]! + KIND_LETTER[kind] + BASE62_ALPHABET[count]!;
  if (count > 1) head += BASE62_ALPHABET[index]! + setId;
  const text = head + digits(data.length, 3) + data;
  return text + digits(hashString(text, 0, text.length, CHECK_PRIME), 4);
}

function setIdOf(kind: EnvelopeKind, count: number, data: string): string {
  const text = KIND_LETTER[kind] + BASE62_ALPHABET[count]! + data;
  return digits(hashString(text, 0, text.length, SET_PRIME), 5);
}

function digits(value: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = BASE62_ALPHABET[value % 62]! + s;
    value = Math.floor(value / 62);
  }
  return s;
}

/** Σ (v(c)+1)·B^(n-1-i) mod p over text[from, to): the same function the finder computes from prefix sums. */
function hashString(text: string, from: number, to: number, prime: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (h * HASH_BASE + base62Value(text.charCodeAt(i)) + 1) % prime;
  return h;
}

// ---------------------------------------------------------------- finding

/**
 * Every armor part in `text`, in order, tolerant of the noise described in
 * armor-text.ts. Candidates that have the full armor structure but a wrong
 * checksum are returned as `{ ok: false, error: Tampered }`. Linear time and
 * memory in the text length; TooLarge above MAX_SCAN_LENGTH characters.
 */
export function findArmor(text: string): ArmorMatch[] {
  if (typeof text !== 'string') fail(ErrorCode.Malformed, 'text must be a string');
  if (text.length > MAX_SCAN_LENGTH) fail(ErrorCode.TooLarge, 'text too long to scan');
  const { codes, origin } = cleanText(text);
  const n = codes.length;
  // runEnd[i]: end of the run of letters/digits at i; prefix[i]: checksum hash of codes[0, i).
  const runEnd = new Uint32Array(n + 1);
  runEnd[n] = n;
  for (let i = n - 1; i >= 0; i--) runEnd[i] = codes[i] === SEPARATOR ? i : codes[i + 1] === SEPARATOR ? i + 1 : runEnd[i + 1]!;
  const prefix = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i]! * HASH_BASE + HASH_VALUE[codes[i]!]!) % CHECK_PRIME;

  const found: ArmorMatch[] = [];
  const damaged: { start: number; end: number }[] = [];
  let i = 0;
  while (i + 1 < n) {
    if (codes[i] !== 79 /* O */ || codes[i + 1] !== 67 /* C */) {
      i++;
      continue;
    }
    const candidate = readCandidate(codes, i, runEnd[i]!, prefix);
    let next = i + 1;
    if (candidate) {
      const start = origin[i]!;
      const end = origin[candidate.end - 1]! + 1;
      if (candidate.part) {
        found.push({ ok: true, start, end, part: candidate.part });
        next = candidate.end;
      } else {
        damaged.push({ start, end });
      }
    }
    i = next;
  }
  return damaged.length === 0 ? found : mergeDamaged(found, damaged);
}

interface Candidate {
  readonly end: number;
  readonly part?: ArmorPart;
}

/** Reads the armor structure at `at` within a run of letters/digits ending at `runEnd`. */
function readCandidate(codes: Uint8Array, at: number, runEnd: number, prefix: Int32Array): Candidate | undefined {
  let p = at + 2;
  if (runEnd - at < SINGLE_PART_OVERHEAD) return undefined;
  if (base62Value(codes[p++]!) !== ENVELOPE_VERSION) return undefined;
  const kind = kindFromLetter(String.fromCharCode(codes[p++]!));
  if (kind === undefined) return undefined;
  const count = base62Value(codes[p++]!);
  if (count < 1) return undefined;
  let index = 0;
  let setId = '';
  if (count > 1) {
    index = base62Value(codes[p++]!);
    if (index >= count || runEnd - at < MULTI_PART_OVERHEAD) return undefined;
    setId = asciiString(codes, p, p + 5);
    p += 5;
  }
  const length = readNumber(codes, p, 3);
  p += 3;
  const dataEnd = p + length;
  const end = dataEnd + 4;
  if (end > runEnd || (count > 1 && length === 0)) return undefined;
  const sum = (prefix[dataEnd]! - ((prefix[at]! * powMod(HASH_BASE, dataEnd - at, CHECK_PRIME)) % CHECK_PRIME) + CHECK_PRIME) % CHECK_PRIME;
  if (sum !== readNumber(codes, dataEnd, 4)) {
    return length >= MIN_DAMAGED_DATA ? { end } : undefined;
  }
  const part: ArmorPart = { version: ENVELOPE_VERSION, kind, index, count, setId, data: asciiString(codes, p, dataEnd) };
  return { end, part };
}

/** Big-endian base62 number of `width` digits (the caller guarantees they are letters/digits). */
function readNumber(codes: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 62 + base62Value(codes[at + i]!);
  return v;
}

const latin1 = new TextDecoder('latin1');

/** codes[from, to) as a string (all ASCII, so Latin-1 decoding is exact). */
function asciiString(codes: Uint8Array, from: number, to: number): string {
  return latin1.decode(codes.subarray(from, to));
}

function powMod(base: number, exp: number, mod: number): number {
  let result = 1;
  let b = base % mod;
  while (exp > 0) {
    if (exp & 1) result = (result * b) % mod;
    b = (b * b) % mod;
    exp = Math.floor(exp / 2);
  }
  return result;
}

/**
 * Keeps damaged candidates that overlap neither a valid part nor an earlier
 * kept damaged one; both lists are sorted by start, so this is linear. Errors
 * are created only for the candidates kept (an Error captures a stack: costly).
 */
function mergeDamaged(found: ArmorMatch[], damaged: readonly { start: number; end: number }[]): ArmorMatch[] {
  const all = [...found];
  let lastEnd = -1;
  let j = 0;
  for (const d of damaged) {
    if (d.start < lastEnd) continue;
    while (j < found.length && found[j]!.end <= d.start) j++;
    if (j < found.length && found[j]!.start < d.end) continue;
    all.push({ ok: false, start: d.start, end: d.end, error: new OvercryptError(ErrorCode.Tampered, 'armor checksum does not match') });
    lastEnd = d.end;
  }
  return all.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------- reassembly

export interface ReassemblerOptions {
  /** Largest part count accepted (≤ MAX_ARMOR_PARTS); default 32. */
  readonly maxParts?: number;
  /** Incomplete messages kept; the oldest is dropped beyond this. Default 32. */
  readonly maxPending?: number;
  /** Data characters kept across incomplete messages; oldest dropped beyond this. Default 2,000,000. */
  readonly maxPendingChars?: number;
}

export type ReassemblyResult =
  | { readonly status: 'complete'; readonly envelope: Envelope; readonly setId: string }
  | { readonly status: 'pending'; readonly setId: string; readonly received: number; readonly count: number };

interface PendingSet {
  readonly kind: EnvelopeKind;
  readonly count: number;
  readonly setId: string;
  readonly parts: (string | undefined)[];
  received: number;
  chars: number;
}

/**
 * Collects parts of multi-part armors, in any order and from any number of
 * page messages, and returns the envelope once every part is in. Memory is
 * bounded (maxPending sets, maxPendingChars characters; oldest evicted first).
 * A duplicate part is ignored; a different part with the same index is
 * `Conflict` (the first one is kept); a complete set whose content does not
 * hash to its set id is `Tampered`.
 */
export class Reassembler {
  private readonly maxParts: number;
  private readonly maxPending: number;
  private readonly maxPendingChars: number;
  private readonly sets = new Map<string, PendingSet>();
  private totalChars = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.maxParts = Math.min(options.maxParts ?? 32, MAX_ARMOR_PARTS);
    this.maxPending = options.maxPending ?? 32;
    this.maxPendingChars = options.maxPendingChars ?? 2_000_000;
  }

  /** Incomplete messages held. */
  get pendingCount(): number {
    return this.sets.size;
  }

  clear(): void {
    this.sets.clear();
    this.totalChars = 0;
  }

  add(part: ArmorPart): ReassemblyResult {
    checkPart(part);
    if (part.count === 1) {
      return { status: 'complete', envelope: decodeData(part.kind, part.data), setId: '' };
    }
    if (part.count > this.maxParts) {
      throw new OvercryptError(ErrorCode.TooLarge, 'armor has more parts than allowed', { count: part.count });
    }
    const key = KIND_LETTER[part.kind] + BASE62_ALPHABET[part.count]! + part.setId;
    let set = this.sets.get(key);
    if (!set) {
      set = { kind: part.kind, count: part.count, setId: part.setId, parts: new Array(part.count), received: 0, chars: 0 };
      this.sets.set(key, set);
    }
    const held = set.parts[part.index];
    if (held !== undefined) {
      if (held !== part.data) fail(ErrorCode.Conflict, 'two different armor parts with the same index');
    } else {
      set.parts[part.index] = part.data;
      set.received++;
      set.chars += part.data.length;
      this.totalChars += part.data.length;
    }
    if (set.received < set.count) {
      this.evict(key);
      return { status: 'pending', setId: part.setId, received: set.received, count: set.count };
    }
    this.drop(key);
    const data = set.parts.join('');
    if (setIdOf(set.kind, set.count, data) !== set.setId) fail(ErrorCode.Tampered, 'armor parts do not match their set id');
    return { status: 'complete', envelope: decodeData(set.kind, data), setId: set.setId };
  }

  private drop(key: string): void {
    const set = this.sets.get(key);
    if (!set) return;
    this.totalChars -= set.chars;
    this.sets.delete(key);
  }

  /** Drops the oldest sets (never `keep`) until within the caps. */
  private evict(keep: string): void {
    for (const key of this.sets.keys()) {
      if (this.sets.size <= this.maxPending && this.totalChars <= this.maxPendingChars) return;
      if (key !== keep) this.drop(key);
    }
  }
}

function checkPart(part: ArmorPart): void {
  const ok =
    typeof part === 'object' && part !== null &&
    part.version === ENVELOPE_VERSION &&
    kindFromLetter(KIND_LETTER[part.kind] ?? '') === part.kind &&
    Number.isInteger(part.count) && part.count >= 1 && part.count <= MAX_ARMOR_PARTS &&
    Number.isInteger(part.index) && part.index >= 0 && part.index < part.count &&
    typeof part.data === 'string' && part.data.length <= MAX_PART_DATA &&
    (part.count === 1 ? part.setId === '' : typeof part.setId === 'string' && part.setId.length === 5);
  if (!ok) fail(ErrorCode.Malformed, 'not a valid armor part');
}

function decodeData(kind: EnvelopeKind, data: string): Envelope {
  if (data.length > Math.ceil((MAX_ENVELOPE_BODY * 11) / 8) + 11) fail(ErrorCode.TooLarge, 'armored body too large');
  return makeEnvelope(kind, base62Decode(data));
}

// ---------------------------------------------------------------- convenience

/**
 * The one message armored in `text` (all its parts must be there, in any
 * order). Malformed when there is none, more than one, or parts are missing;
 * Tampered when an armor is damaged.
 */
export function dearmor(text: string, options: ReassemblerOptions = {}): Envelope {
  const matches = findArmor(text);
  const damaged = matches.find((m) => !m.ok);
  if (damaged && !damaged.ok) throw damaged.error;
  if (matches.length === 0) fail(ErrorCode.Malformed, 'no armor in text');
  const reassembler = new Reassembler(options);
  let result: Envelope | undefined;
  for (const m of matches) {
    if (!m.ok) continue;
    const r = reassembler.add(m.part);
    if (r.status === 'complete') {
      if (result) fail(ErrorCode.Malformed, 'more than one armored message in text');
      result = r.envelope;
    }
  }
  if (!result || reassembler.pendingCount > 0) fail(ErrorCode.Malformed, 'armored message incomplete');
  return result;
}
