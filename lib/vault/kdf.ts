/**
 * Passphrase -> 32-byte key-encryption key. Two algorithms, parameters stored next to the wrapped key so they can
 * be raised later: WebCrypto PBKDF2-SHA256 (native, default) and Argon2id (memory-hard, via hash-wasm).
 * Stored parameters below the floor are refused (an attacker who can write the database must not be able to make
 * the next unlock cheap to brute-force from what it leaves in memory or storage).
 */
import { ErrorCode, OvercryptError } from '../errors';
import { buf, fromBase64, randomBytes, toBase64, utf8 } from './bytes';

export type KdfParams =
  | { name: 'pbkdf2-sha256'; iterations: number; salt: string }
  | { name: 'argon2id'; memoryKiB: number; iterations: number; parallelism: number; salt: string };

/** The floor for stored parameters. Tests lower it explicitly; production code never does. */
export interface KdfFloor {
  pbkdf2Iterations: number;
  argon2MemoryKiB: number;
  argon2Iterations: number;
}

export const KDF_FLOOR: KdfFloor = { pbkdf2Iterations: 600_000, argon2MemoryKiB: 19 * 1024, argon2Iterations: 2 };

export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
export const DEFAULT_ARGON2 = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 } as const;

export function newKdfParams(
  name: KdfParams['name'] = 'pbkdf2-sha256',
  overrides: Partial<{ iterations: number; memoryKiB: number }> = {},
): KdfParams {
  const salt = toBase64(randomBytes(16));
  if (name === 'argon2id') {
    return {
      name,
      memoryKiB: overrides.memoryKiB ?? DEFAULT_ARGON2.memoryKiB,
      iterations: overrides.iterations ?? DEFAULT_ARGON2.iterations,
      parallelism: DEFAULT_ARGON2.parallelism,
      salt,
    };
  }
  return { name, iterations: overrides.iterations ?? DEFAULT_PBKDF2_ITERATIONS, salt };
}

export function checkKdfParams(p: KdfParams, floor: KdfFloor = KDF_FLOOR): void {
  const weak =
    p.name === 'pbkdf2-sha256'
      ? !(Number.isInteger(p.iterations) && p.iterations >= floor.pbkdf2Iterations)
      : p.name === 'argon2id'
        ? !(
            Number.isInteger(p.memoryKiB) &&
            p.memoryKiB >= floor.argon2MemoryKiB &&
            Number.isInteger(p.iterations) &&
            p.iterations >= floor.argon2Iterations &&
            Number.isInteger(p.parallelism) &&
            p.parallelism >= 1
          )
        : true;
  if (weak) throw new OvercryptError(ErrorCode.WeakKdfParams, 'stored key derivation parameters are below the minimum');
  if (fromBase64(p.salt).length < 16) throw new OvercryptError(ErrorCode.WeakKdfParams, 'salt too short');
}

export async function deriveKek(passphrase: string, p: KdfParams, floor: KdfFloor = KDF_FLOOR): Promise<Uint8Array> {
  checkKdfParams(p, floor);
  const salt = fromBase64(p.salt);
  if (p.name === 'argon2id') {
    const { argon2id } = await import('hash-wasm');
    return argon2id({
      password: passphrase,
      salt,
      iterations: p.iterations,
      memorySize: p.memoryKiB,
      parallelism: p.parallelism,
      hashLength: 32,
      outputType: 'binary',
    });
  }
  const base = await crypto.subtle.importKey('raw', buf(utf8.encode(passphrase)), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations: p.iterations },
    base,
    256,
  );
  return new Uint8Array(bits);
}
