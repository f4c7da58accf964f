/**
 * Password hashing with scrypt (memory-hard, node:crypto, runs on the libuv pool so the
 * event loop stays free). Stored as `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>`, so the
 * cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8: 32 MiB per hash (OWASP's scrypt minimum is N = 2^17 with r = 8, p = 1 at 128 MiB; 2^15 keeps
 * concurrent logins affordable on small servers; raise with --scrypt-log-n). */
export const DEFAULT_SCRYPT: ScryptCost = { logN: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.logN, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((v) => Number.isInteger(v) && v > 0) || logN > 22) return false;
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64'), { logN, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
