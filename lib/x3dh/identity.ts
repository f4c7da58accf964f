/**
 * A device's long-term key as the forward-secret modules see it: the device card's Ed25519 key
 * as raw bytes, plus the card id. Also the virgil signature format used for prekeys.
 *
 * ## Identity DH key: the card key converted to X25519 (the choice, and why)
 * X3DH needs a Diffie-Hellman identity key per device. We derive it from the device card's
 * Ed25519 key with the standard birational map (libsodium `crypto_sign_ed25519_*_to_curve25519`,
 * `ed25519PublicKeyToX25519` / `ed25519PrivateKeyToX25519` in lib/crypto/primitives.ts) instead of
 * publishing a second X25519 identity key signed by the card key, because:
 *  - the directory contract has no field for an extra identity DH key, and the card (which the
 *    user's identity key cross-signs) is then the *only* thing a peer must trust: no second
 *    signature to check, no window where the DH key and the card could disagree;
 *  - using one Ed25519/X25519 key pair for both signing and DH is what Signal does in reverse
 *    (XEdDSA) and has a security analysis (Thormarker 2021, "On using the same key pair for
 *    Ed25519 and an X25519 based KEM"); the signatures (prekeys only, over domain-separated
 *    bytes) and the DH uses (inside HKDF) never share inputs.
 * The conversion is checked against libsodium's vector and against virgil's own Ed25519 DH.
 *
 * ## Prekey signatures
 * The directory verifies prekey signatures with `virgilCrypto.verifySignature`, whose format is
 * DER `SEQUENCE { AlgorithmIdentifier sha512, OCTET STRING ed25519(SHA-512(data)) }`. We produce
 * and check exactly that with the raw primitives (Ed25519 is deterministic, so the bytes equal
 * `virgilCrypto.calculateSignature`'s; the tests check both directions).
 */
import type { VirgilPrivateKey, VirgilPublicKey } from 'virgil-crypto';
import { ErrorCode, fail } from '../errors';
import {
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  ED25519_SIGNATURE_LEN,
  assertBytes,
  concatBytes,
  constantTimeEqual,
  ed25519PrivateKeyToX25519,
  ed25519PublicKey,
  ed25519PublicKeyToX25519,
  ed25519Sign,
  ed25519Verify,
  sha512,
} from '../crypto/primitives';
import { virgil } from '../crypto/init';

/** Our own device: card id (64 hex) and the card's Ed25519 key pair as raw 32-byte values. */
export interface DeviceIdentity {
  readonly cardId: string;
  readonly signingPublicKey: Uint8Array;
  /** Ed25519 seed (32 bytes). Secret. */
  readonly signingPrivateKey: Uint8Array;
}

/** A peer device: its card id and the card's raw Ed25519 public key (taken from a verified card). */
export interface RemoteDevice {
  readonly cardId: string;
  readonly signingPublicKey: Uint8Array;
}

const CARD_ID_RE = /^[0-9a-f]{64}$/;

export function assertCardId(cardId: unknown): asserts cardId is string {
  if (typeof cardId !== 'string' || !CARD_ID_RE.test(cardId)) fail(ErrorCode.Malformed, 'card id must be 64 lower-case hex characters');
}

export function assertRemoteDevice(device: RemoteDevice): void {
  assertCardId(device.cardId);
  assertBytes(device.signingPublicKey, 'card public key', ED25519_PUBLIC_KEY_LEN);
}

// Identity objects already checked, with the field values checked (the key-pair check costs a
// scalar multiplication; the service keeps one identity object per device).
const checkedIdentities = new WeakMap<DeviceIdentity, readonly [string, Uint8Array, Uint8Array]>();

export function assertDeviceIdentity(self: DeviceIdentity): void {
  const seen = checkedIdentities.get(self);
  if (seen && seen[0] === self.cardId && seen[1] === self.signingPublicKey && seen[2] === self.signingPrivateKey) return;
  assertCardId(self.cardId);
  assertBytes(self.signingPublicKey, 'card public key', ED25519_PUBLIC_KEY_LEN);
  assertBytes(self.signingPrivateKey, 'card private key', ED25519_PRIVATE_KEY_LEN);
  if (!constantTimeEqual(ed25519PublicKey(self.signingPrivateKey), self.signingPublicKey)) {
    fail(ErrorCode.Malformed, 'card private key does not match its public key');
  }
  checkedIdentities.set(self, [self.cardId, self.signingPublicKey, self.signingPrivateKey]);
}

/** X25519 identity DH private key of our device (derived from the card key, see above). */
export function identityDhPrivateKey(self: DeviceIdentity): Uint8Array {
  return ed25519PrivateKeyToX25519(self.signingPrivateKey);
}

/** X25519 identity DH public key of a device. */
export function identityDhPublicKey(signingPublicKey: Uint8Array): Uint8Array {
  return ed25519PublicKeyToX25519(signingPublicKey);
}

// ---- virgil key objects <-> raw bytes ---------------------------------------------------------

// DER prefixes virgil-crypto 5 uses for Ed25519 keys (PKCS#8 / SubjectPublicKeyInfo, OID 1.3.101.112).
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function stripPrefix(der: Uint8Array, prefix: Uint8Array, what: string): Uint8Array {
  if (der.length !== prefix.length + 32 || !constantTimeEqual(der.subarray(0, prefix.length), prefix)) {
    fail(ErrorCode.Malformed, `${what} is not an Ed25519 key`);
  }
  return der.slice(prefix.length);
}

/** Raw 32-byte Ed25519 public key of a virgil public key (e.g. `card.publicKey`). */
export function rawPublicKeyFromVirgil(publicKey: VirgilPublicKey): Uint8Array {
  return stripPrefix(new Uint8Array(virgil().exportPublicKey(publicKey)), ED25519_SPKI_PREFIX, 'public key');
}

/** Our device identity from the card id and the card's virgil private key. */
export function deviceIdentityFromVirgil(cardId: string, privateKey: VirgilPrivateKey): DeviceIdentity {
  assertCardId(cardId);
  const seed = stripPrefix(new Uint8Array(virgil().exportPrivateKey(privateKey)), ED25519_PKCS8_PREFIX, 'private key');
  return { cardId, signingPrivateKey: seed, signingPublicKey: ed25519PublicKey(seed) };
}

// ---- virgil-compatible signatures ---------------------------------------------------------------

// DER: SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.2.3 (sha512), NULL }, OCTET STRING (64) }
const VIRGIL_SIGNATURE_PREFIX = Uint8Array.from([
  0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
]);

/** Same bytes as `virgilCrypto.calculateSignature(data, cardPrivateKey)` for an Ed25519 key. */
export function virgilSign(signingPrivateKey: Uint8Array, data: Uint8Array): Uint8Array {
  return concatBytes(VIRGIL_SIGNATURE_PREFIX, ed25519Sign(signingPrivateKey, sha512(data)));
}

/** Accepts what `virgilCrypto.verifySignature` accepts for Ed25519/SHA-512 signatures. */
export function virgilVerify(signingPublicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  assertBytes(signature, 'signature');
  if (signature.length !== VIRGIL_SIGNATURE_PREFIX.length + ED25519_SIGNATURE_LEN) return false;
  if (!constantTimeEqual(signature.subarray(0, VIRGIL_SIGNATURE_PREFIX.length), VIRGIL_SIGNATURE_PREFIX)) return false;
  return ed25519Verify(signingPublicKey, sha512(data), signature.subarray(VIRGIL_SIGNATURE_PREFIX.length));
}
