/**
 * A structural pre-check of a card-mode ciphertext's clear message info, run before
 * virgil-crypto sees the bytes.
 *
 * Why: virgil-crypto's WASM asserts on some malformed DER (an unexpected OID, a NULL
 * with a length) and aborts instead of throwing (measured: flipping single bytes of a
 * genuine message aborted the module at 22 of 516 positions). Anyone can paste bytes
 * into a page, so we refuse shapes the library does not produce: every TLV length must
 * fit its parent, the OIDs must be the ones virgil-crypto writes for Ed25519 recipients, in its order,
 * every NULL must be empty, and the long OCTET STRINGs that hold DER are walked too.
 * The encrypted part after the message info is authenticated by AES-GCM inside WASM,
 * but virgil-crypto parses the (encrypted) signature footer while streaming, before the
 * tag is checked: a message cut short inside its last ~130 bytes can still abort the
 * WASM (measured: truncations that leave 17-31 bytes of the footer). We refuse
 * encrypted parts shorter than a GCM tag (those always abort); the footer window
 * cannot be detected without decrypting. Known limitation: a hostile page can make one
 * decrypt abort (the module keeps working; the call fails as `Tampered`).
 */
import { ErrorCode, fail } from '../errors';
import { toHex } from '../cards/bytes';

/**
 * OIDs virgil-crypto 5.1.2 writes in signAndEncrypt output for Ed25519 keys, each
 * mapped to a letter; the letters in document order must match `OID_PATTERN`.
 * Position matters: swapping one known OID for another (CBC for GCM, data for
 * envelopedData) also aborts the WASM.
 */
const OID_LETTERS: ReadonlyMap<string, string> = new Map([
  ['2a864886f70d010703', 'E'], // CMS envelopedData
  ['2b6570', 'd'], // Ed25519 (recipient key, then the ephemeral key inside the encrypted-key blob)
  ['28818c71020502', 'K'], // KDF2
  ['608648016503040202', 'h'], // SHA-384 (KDF hash, then HMAC hash)
  ['60864801650304012a', 'C'], // AES-256-CBC (key wrap)
  ['2a864886f70d010701', 'D'], // CMS data
  ['60864801650304012e', 'G'], // AES-256-GCM (content)
  ['2a864886f70d010910031e', 'P'], // custom params (signAndEncrypt footer info)
  ['608648016503040203', 'S'], // SHA-512 (signature digest)
]);
/** envelopedData, then per recipient: Ed25519 + {Ed25519, KDF2, SHA-384, SHA-384, AES-CBC}; data, GCM; params, SHA-512. */
const OID_PATTERN = /^E(?:ddKhhC)+DGPS$/;
/** Same for `encrypt` without a signature (org archive blobs). */
const OID_PATTERN_UNSIGNED = /^E(?:ddKhhC)+DG$/;
const MAX_DEPTH = 16;
/** AES-GCM tag length: shorter encrypted parts always abort the WASM. */
const MIN_ENCRYPTED_PART = 17;
const MAX_NODES = 50_000;
/**
 * OCTET STRINGs this long are the per-recipient encrypted-key structures, which are DER
 * themselves and must parse; shorter ones (key ids, IVs, nonces, 48-byte wrapped keys
 * and MACs) are opaque random bytes.
 */
const NESTED_DER_MIN = 64;

/** Throws `Malformed` unless the message info has the shape virgil-crypto writes. Returns its length. */
export function checkCardMessageShape(bytes: Uint8Array, options: { signed: boolean } = { signed: true }): number {
  const budget = { nodes: 0, oids: '' };
  if (bytes.length < 2 || bytes[0] !== 0x30) fail(ErrorCode.Malformed, 'not a card message');
  const top = readTlv(bytes, 0, bytes.length);
  walk(bytes, top.valueStart, top.end, 1, budget);
  if (!(options.signed ? OID_PATTERN : OID_PATTERN_UNSIGNED).test(budget.oids)) fail(ErrorCode.Malformed, 'DER: unexpected structure');
  if (bytes.length - top.end < MIN_ENCRYPTED_PART) fail(ErrorCode.Malformed, 'encrypted part too short');
  return top.end;
}

interface Tlv {
  tag: number;
  valueStart: number;
  end: number;
}

function readTlv(b: Uint8Array, off: number, limit: number): Tlv {
  if (off + 2 > limit) fail(ErrorCode.Malformed, 'DER: truncated header');
  const tag = b[off]!;
  if ((tag & 0x1f) === 0x1f) fail(ErrorCode.Malformed, 'DER: multi-byte tag');
  // virgil-crypto writes universal and context-specific tags only.
  if ((tag & 0xc0) === 0x40 || (tag & 0xc0) === 0xc0) fail(ErrorCode.Malformed, 'DER: application/private tag');
  let len = b[off + 1]!;
  let headerLen = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || off + 2 + n > limit) fail(ErrorCode.Malformed, 'DER: length form');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[off + 2 + i]!;
    if (len < 0x80 || (n > 1 && b[off + 2] === 0)) fail(ErrorCode.Malformed, 'DER: non-minimal length');
    headerLen = 2 + n;
  }
  const valueStart = off + headerLen;
  if (valueStart + len > limit) fail(ErrorCode.Malformed, 'DER: length beyond parent');
  return { tag, valueStart, end: valueStart + len };
}

interface WalkBudget {
  nodes: number;
  /** letters of the OIDs seen so far, in order */
  oids: string;
}

function walk(b: Uint8Array, off: number, end: number, depth: number, budget: WalkBudget): void {
  if (depth > MAX_DEPTH) fail(ErrorCode.Malformed, 'DER: too deep');
  while (off < end) {
    if (++budget.nodes > MAX_NODES) fail(ErrorCode.Malformed, 'DER: too many elements');
    const tlv = readTlv(b, off, end);
    const value = b.subarray(tlv.valueStart, tlv.end);
    if (tlv.tag === 0x06) {
      const letter = OID_LETTERS.get(toHex(value));
      if (letter === undefined) fail(ErrorCode.Malformed, 'DER: unexpected OID');
      budget.oids += letter;
    }
    if (tlv.tag === 0x05 && value.length !== 0) fail(ErrorCode.Malformed, 'DER: NULL with content');
    if (tlv.tag === 0x31) checkRecipientInfos(b, tlv.valueStart, tlv.end);
    if (tlv.tag & 0x20) walk(b, tlv.valueStart, tlv.end, depth + 1, budget);
    else if (tlv.tag === 0x04 && value.length >= NESTED_DER_MIN) walk(b, tlv.valueStart, tlv.end, depth + 1, budget);
    off = tlv.end;
  }
}

/** The only SET is RecipientInfos: each entry is a SEQUENCE ending in its encrypted-key blob (DER, ≥ 64 bytes). */
function checkRecipientInfos(b: Uint8Array, off: number, end: number): void {
  if (off === end) fail(ErrorCode.Malformed, 'DER: no recipients');
  while (off < end) {
    const info = readTlv(b, off, end);
    if (info.tag !== 0x30) fail(ErrorCode.Malformed, 'DER: recipient info');
    let last: Tlv | undefined;
    for (let at = info.valueStart; at < info.end; ) {
      last = readTlv(b, at, info.end);
      at = last.end;
    }
    if (!last || last.tag !== 0x04 || last.end - last.valueStart < NESTED_DER_MIN) fail(ErrorCode.Malformed, 'DER: recipient key blob');
    off = info.end;
  }
}
