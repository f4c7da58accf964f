/**
 * Ed25519 keys as Overcrypt handles them: the per-user identity key (only on the
 * user's devices and in their backup) and the per-device card key. Public keys
 * travel as base64 of virgil-crypto's `exportPublicKey` (44-byte DER SPKI).
 * Everything coming from outside is length- and prefix-checked before any WASM
 * call, because bad input can abort the WASM instead of throwing.
 */
import type { VirgilKeyPair, VirgilPrivateKey, VirgilPublicKey } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { ErrorCode, fail } from '../errors';
import { bytesOf, decodeBase64, encodeBase64 } from './bytes';

/** DER SubjectPublicKeyInfo prefix of an Ed25519 key: SEQ, SEQ{OID 1.3.101.112}, BIT STRING(33). */
const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
export const ED25519_PUBLIC_KEY_DER_LENGTH = 44;
export const ED25519_RAW_KEY_LENGTH = 32;
/** DER PKCS#8 length of an Ed25519 private key as virgil-crypto exports it. */
const ED25519_PRIVATE_KEY_DER_LENGTH = 48;
const ED25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

export type KeyPair = VirgilKeyPair;

/** A fresh Ed25519 identity key pair (one per user). */
export function generateIdentityKey(): KeyPair {
  return virgil().generateKeys();
}

/** A fresh Ed25519 device key pair (one per device; its public half goes into the device card). */
export function generateDeviceKey(): KeyPair {
  return virgil().generateKeys();
}

export function exportPublicKeyBase64(key: VirgilPublicKey): string {
  return encodeBase64(bytesOf(virgil().exportPublicKey(key)));
}

/** Decodes and checks a base64 Ed25519 public key (DER); throws `Malformed` on anything else. */
export function publicKeyDerFromBase64(base64: string): Uint8Array {
  const der = decodeBase64(base64, ED25519_PUBLIC_KEY_DER_LENGTH);
  if (!der || !startsWith(der, ED25519_SPKI_PREFIX)) fail(ErrorCode.Malformed, 'not an Ed25519 public key');
  return der;
}

/** Imports a base64 Ed25519 public key after validating it. */
export function importPublicKeyBase64(base64: string): VirgilPublicKey {
  return virgil().importPublicKey(publicKeyDerFromBase64(base64));
}

/** The 32 raw key bytes of a base64 DER Ed25519 public key (what safety numbers hash). */
export function rawPublicKey(base64: string): Uint8Array {
  return publicKeyDerFromBase64(base64).subarray(ED25519_SPKI_PREFIX.length);
}

/** Private key bytes for the backup (DER PKCS#8). Handle as a secret. */
export function exportPrivateKeyBytes(key: VirgilPrivateKey): Uint8Array {
  return bytesOf(virgil().exportPrivateKey(key));
}

/** Imports private key bytes after checking the Ed25519 PKCS#8 shape. */
export function importPrivateKeyBytes(bytes: Uint8Array): KeyPair {
  if (bytes.length !== ED25519_PRIVATE_KEY_DER_LENGTH || !startsWith(bytes, ED25519_PKCS8_PREFIX)) {
    fail(ErrorCode.Malformed, 'not an Ed25519 private key');
  }
  const privateKey = virgil().importPrivateKey(bytes);
  return { privateKey, publicKey: virgil().extractPublicKey(privateKey) };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((b, i) => bytes[i] === b);
}
