/**
 * Safety numbers: 60 digits both people see identically, computed over both identity
 * keys, to compare in person or by QR code. Signal's numeric fingerprint is the model:
 *
 *   fingerprint(party) = H^5200( 0x0000 || rawKey || identity ), where one step is
 *                        h <- SHA-512(h || rawKey) and the first input is SHA-512 of
 *                        version(2 bytes, big endian) || rawKey || identity
 *   digits(party)      = first 30 bytes of the fingerprint as six 5-byte big-endian
 *                        integers, each mod 100000, zero-padded to 5 digits (30 digits)
 *   safety number      = the two 30-digit strings, the smaller one first (so both
 *                        sides get the same 60 digits).
 *
 * rawKey is the 32-byte Ed25519 identity public key; identity is the ASCII account
 * name (binds the key to whom it belongs). The 5200 iterations are Signal's choice:
 * they make a second key matching a chosen 30-digit half cost 5200x more hashing per
 * guess (~2^112 work for a full collision of 100 bits). Measured here ~10-20 ms total.
 *
 * Compact QR form: "OCSN1:" + base64url(version || fpLocal[0..32] || fpRemote[0..32]).
 * The scanner checks that the scanned local half is its remote half and vice versa.
 * Full derivation and rationale: docs/safety-number.md.
 */
import { HashAlgorithm } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { bytesOf, concatBytes, constantTimeEqual, decodeBase64Url, encodeBase64Url, utf8 } from '../cards/bytes';
import { isValidIdentity, rawPublicKey } from '../cards';
import { ErrorCode, fail } from '../errors';

export const SAFETY_NUMBER_VERSION = 0;
export const SAFETY_NUMBER_ITERATIONS = 5200;
const QR_PREFIX = 'OCSN1:';
const QR_FINGERPRINT_BYTES = 32;

export interface SafetyParty {
  identity: string;
  /** base64 DER Ed25519 identity public key */
  identityKey: string;
}

export interface SafetyNumber {
  /** 60 digits, identical on both sides */
  digits: string;
  /** the same digits in twelve groups of five, for display */
  groups: string[];
  /** compact form for a QR code (from the local side's point of view) */
  qrPayload: string;
}

/** One party's iterated fingerprint (64 bytes). */
export function fingerprint(party: SafetyParty, iterations = SAFETY_NUMBER_ITERATIONS): Uint8Array {
  if (!isValidIdentity(party.identity)) fail(ErrorCode.Malformed, 'identity');
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 100_000) fail(ErrorCode.Malformed, 'iterations');
  const key = rawPublicKey(party.identityKey);
  const version = Uint8Array.of(SAFETY_NUMBER_VERSION >> 8, SAFETY_NUMBER_VERSION & 0xff);
  let hash = sha512(concatBytes(version, key, utf8(party.identity)));
  for (let i = 0; i < iterations; i++) hash = sha512(concatBytes(hash, key));
  return hash;
}

/** 30 digits from the first 30 bytes of a fingerprint. */
export function fingerprintDigits(fp: Uint8Array): string {
  let out = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + fp[chunk * 5 + i]!;
    out += String(value % 100000).padStart(5, '0');
  }
  return out;
}

export function computeSafetyNumber(local: SafetyParty, remote: SafetyParty, iterations = SAFETY_NUMBER_ITERATIONS): SafetyNumber {
  const localFp = fingerprint(local, iterations);
  const remoteFp = fingerprint(remote, iterations);
  const a = fingerprintDigits(localFp);
  const b = fingerprintDigits(remoteFp);
  const digits = a <= b ? a + b : b + a;
  const qr = QR_PREFIX + encodeBase64Url(concatBytes(Uint8Array.of(SAFETY_NUMBER_VERSION), localFp.subarray(0, QR_FINGERPRINT_BYTES), remoteFp.subarray(0, QR_FINGERPRINT_BYTES)));
  return { digits, groups: digits.match(/\d{5}/g) ?? [], qrPayload: qr };
}

/**
 * True when `scanned` (the other side's QR code) was computed over the same two keys:
 * its local half must be our remote half and its remote half our local half.
 */
export function matchesScannedCode(scanned: string, local: SafetyParty, remote: SafetyParty, iterations = SAFETY_NUMBER_ITERATIONS): boolean {
  if (typeof scanned !== 'string' || !scanned.startsWith(QR_PREFIX) || scanned.length > 200) return false;
  const bytes = decodeBase64Url(scanned.slice(QR_PREFIX.length), 256);
  if (!bytes || bytes.length !== 1 + 2 * QR_FINGERPRINT_BYTES || bytes[0] !== SAFETY_NUMBER_VERSION) return false;
  const theirLocal = bytes.subarray(1, 1 + QR_FINGERPRINT_BYTES);
  const theirRemote = bytes.subarray(1 + QR_FINGERPRINT_BYTES);
  const ourLocal = fingerprint(local, iterations).subarray(0, QR_FINGERPRINT_BYTES);
  const ourRemote = fingerprint(remote, iterations).subarray(0, QR_FINGERPRINT_BYTES);
  return constantTimeEqual(theirLocal, ourRemote) && constantTimeEqual(theirRemote, ourLocal);
}

function sha512(data: Uint8Array): Uint8Array {
  return bytesOf(virgil().calculateHash(data, HashAlgorithm.SHA512));
}
