/**
 * Password -> keys, with Argon2id (hash-wasm). Two derivations from the same password
 * that the directory must never be able to link:
 *
 * - Backup key: Argon2id(password, random 16-byte salt stored in the blob, parameters
 *   stored in the blob). Minimums (m ≥ 64 MiB, t ≥ 3) are enforced on write AND read, so
 *   a server that rewrites the blob cannot make a guess cheap (`WeakKdfParams`).
 * - Login password: Argon2id(password, salt = SHA-256("overcrypt/login/v1" 0x00 identity))
 *   at the same minimum cost, base64. This is what POST /v1/accounts and /v1/session
 *   receive instead of the password. Different salt → an unrelated output; from it the
 *   directory can only run a full memory-hard guess per candidate password, the same
 *   cost as attacking the backup blob itself.
 * The salts cannot collide: the backup salt is 16 random bytes per blob, the login salt
 * is a hash of a domain tag and the identity. See docs/backup.md.
 */
import { argon2id } from 'hash-wasm';
import { ErrorCode, fail } from '../errors';
import { decodeBase64, encodeBase64, utf8 } from '../cards/bytes';

export interface Argon2Params {
  algorithm: 'argon2id';
  /** memory in KiB */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  /** base64, ≥ 16 bytes */
  salt: string;
}

/** Minimums enforced on read and write. */
export const MIN_ARGON2 = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1, saltBytes: 16 } as const;
/** Maximums so a hostile blob cannot make us allocate gigabytes or spin for minutes. */
export const MAX_ARGON2 = { memoryKiB: 1024 * 1024, iterations: 32, parallelism: 16, saltBytes: 64 } as const;
export const DEFAULT_ARGON2 = { memoryKiB: MIN_ARGON2.memoryKiB, iterations: MIN_ARGON2.iterations, parallelism: 1 } as const;

export function newArgon2Params(overrides: Partial<Pick<Argon2Params, 'memoryKiB' | 'iterations' | 'parallelism'>> = {}): Argon2Params {
  const salt = new Uint8Array(MIN_ARGON2.saltBytes);
  crypto.getRandomValues(salt);
  const params: Argon2Params = { algorithm: 'argon2id', ...DEFAULT_ARGON2, ...overrides, salt: encodeBase64(salt) };
  checkArgon2Params(params);
  return params;
}

/** `WeakKdfParams` below the minimums, `Malformed` for anything unparseable or absurdly large. */
export function checkArgon2Params(p: Argon2Params): void {
  const obj = p as Partial<Argon2Params> | null;
  if (!obj || obj.algorithm !== 'argon2id') fail(ErrorCode.WeakKdfParams, 'backup KDF must be argon2id');
  for (const field of ['memoryKiB', 'iterations', 'parallelism'] as const) {
    if (!Number.isSafeInteger(obj[field])) fail(ErrorCode.Malformed, `KDF ${field}`);
  }
  const salt = typeof obj.salt === 'string' ? decodeBase64(obj.salt, undefined, 1024) : undefined;
  if (!salt) fail(ErrorCode.Malformed, 'KDF salt');
  if (p.memoryKiB < MIN_ARGON2.memoryKiB || p.iterations < MIN_ARGON2.iterations || p.parallelism < MIN_ARGON2.parallelism || salt.length < MIN_ARGON2.saltBytes) {
    fail(ErrorCode.WeakKdfParams, 'backup KDF parameters below the minimum (argon2id m ≥ 64 MiB, t ≥ 3, salt ≥ 16 B)', {
      memoryKiB: p.memoryKiB, iterations: p.iterations,
    });
  }
  if (p.memoryKiB > MAX_ARGON2.memoryKiB || p.iterations > MAX_ARGON2.iterations || p.parallelism > MAX_ARGON2.parallelism || salt.length > MAX_ARGON2.saltBytes) {
    fail(ErrorCode.TooLarge, 'backup KDF parameters above the maximum');
  }
}

/** 32 bytes of key material for the backup blob. */
export async function deriveBackupKeyMaterial(password: string, params: Argon2Params): Promise<Uint8Array> {
  checkArgon2Params(params);
  checkPassword(password);
  return argon2id({
    password: utf8(password),
    salt: decodeBase64(params.salt)!,
    iterations: params.iterations,
    memorySize: params.memoryKiB,
    parallelism: params.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
}

/**
 * The password the directory login receives (POST /v1/accounts, /v1/session) instead
 * of the user's password. Deterministic per (password, identity), so any device can
 * log in; unrelated to the backup key (distinct salt).
 */
export async function deriveLoginPassword(password: string, identity: string): Promise<string> {
  checkPassword(password);
  const salt = new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(utf8(`overcrypt/login/v1\0${identity}`))));
  const out = await argon2id({
    password: utf8(password),
    salt,
    iterations: MIN_ARGON2.iterations,
    memorySize: MIN_ARGON2.memoryKiB,
    parallelism: 1,
    hashLength: 32,
    outputType: 'binary',
  });
  return encodeBase64(out);
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0 || password.length > 1024) fail(ErrorCode.Malformed, 'password length');
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
