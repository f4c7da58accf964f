/** Encryption at rest: passphrase-derived key wrapping, sealing of records, lock and auto-lock. */
export {
  Vault,
  InMemorySessionKeyStore,
  type Clock,
  type SessionKeyStore,
  type SessionKeyState,
  type VaultHeader,
  type VaultHeaderStore,
  type VaultOptions,
} from './vault';
export { KDF_FLOOR, DEFAULT_PBKDF2_ITERATIONS, DEFAULT_ARGON2, checkKdfParams, deriveKek, newKdfParams, type KdfParams, type KdfFloor } from './kdf';
