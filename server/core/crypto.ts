/**
 * virgil-crypto for the server: initialised once per process. (The server imports nothing
 * from lib/ but lib/directory/wire.ts and lib/errors.ts, so it has its own tiny init.)
 */
import { initCrypto, KeyPairType, VirgilCrypto, type VirgilPublicKey } from 'virgil-crypto';

let ready: Promise<VirgilCrypto> | undefined;

export function serverCrypto(): Promise<VirgilCrypto> {
  ready ??= initCrypto().then(() => new VirgilCrypto({ defaultKeyPairType: KeyPairType.ED25519 }));
  return ready;
}

/** Exported virgil public keys are small DER blobs (44 bytes for Ed25519); refuse anything odd before WASM sees it. */
export const MAX_PUBLIC_KEY_BYTES = 128;
/** virgil signatures are ASN.1-wrapped (83 bytes for Ed25519). */
export const MAX_SIGNATURE_BYTES = 512;

/** Imports an exported public key, or null when it is not one. */
export function tryImportPublicKey(crypto: VirgilCrypto, bytes: Uint8Array): VirgilPublicKey | null {
  if (bytes.length === 0 || bytes.length > MAX_PUBLIC_KEY_BYTES) return null;
  try {
    return crypto.importPublicKey(bytes);
  } catch {
    return null;
  }
}

/** Verifies a signature; malformed signatures are simply invalid. */
export function verifies(crypto: VirgilCrypto, data: Uint8Array, signature: Uint8Array, key: VirgilPublicKey): boolean {
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES) return false;
  try {
    return crypto.verifySignature(data, signature, key);
  } catch {
    return false;
  }
}
