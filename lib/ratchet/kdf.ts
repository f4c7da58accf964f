/**
 * The Double Ratchet's key derivation functions (names from Signal's spec, §5.2):
 *
 *   KDF_RK(rk, dh_out) = HKDF-SHA256(salt = rk, ikm = dh_out, info = RK_INFO, 64) -> (rk', ck)
 *   KDF_CK(ck)         = (HMAC-SHA256(ck, 0x02) -> ck', HMAC-SHA256(ck, 0x01) -> mk)
 *   message key        = HKDF-SHA256(salt = 0^32, ikm = mk, info = MK_INFO, 44) -> AES-256 key || GCM nonce
 *
 * Deriving a fresh key and nonce per message key means a nonce never repeats under a key.
 * The tests recompute all three with node:crypto (hkdfSync / createHmac).
 */
import { AES256_KEY_LEN, AES_GCM_NONCE_LEN, hkdfSha256, hmacSha256, utf8 } from '../crypto/primitives';

export const RK_INFO = utf8('Overcrypt Ratchet RK v1');
export const MK_INFO = utf8('Overcrypt Ratchet MK v1');
const CHAIN_KEY_CONSTANT = Uint8Array.of(0x02);
const MESSAGE_KEY_CONSTANT = Uint8Array.of(0x01);
const ZERO_SALT = new Uint8Array(32);

export function kdfRk(rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = hkdfSha256(dhOutput, rootKey, RK_INFO, 64);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64) };
}

export function kdfCk(chainKey: Uint8Array): { chainKey: Uint8Array; messageKey: Uint8Array } {
  return { chainKey: hmacSha256(chainKey, CHAIN_KEY_CONSTANT), messageKey: hmacSha256(chainKey, MESSAGE_KEY_CONSTANT) };
}

/** AES-256-GCM key and nonce for one message key. */
export function messageKeyMaterial(messageKey: Uint8Array, info: Uint8Array = MK_INFO): { key: Uint8Array; nonce: Uint8Array } {
  const out = hkdfSha256(messageKey, ZERO_SALT, info, AES256_KEY_LEN + AES_GCM_NONCE_LEN);
  return { key: out.slice(0, AES256_KEY_LEN), nonce: out.slice(AES256_KEY_LEN) };
}
