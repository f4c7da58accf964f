/**
 * Directory configuration from flags, then environment, then defaults.
 *
 *   --host 127.0.0.1            OVERCRYPT_HOST
 *   --port 8787                 OVERCRYPT_PORT        (0 = any free port)
 *   --db sqlite:./data/overcrypt.db | postgres://user:pass@host/db    OVERCRYPT_DB
 *   --app-key ./data/app-key    OVERCRYPT_APP_KEY_PATH  (or the key itself, base64, in OVERCRYPT_APP_KEY)
 *   --registration open|invite|closed   OVERCRYPT_REGISTRATION (default: open on loopback, invite otherwise)
 *   --token-ttl 1h              OVERCRYPT_TOKEN_TTL   (seconds, or with s/m/h suffix)
 *   --admin-token <secret>      OVERCRYPT_ADMIN_TOKEN (enables GET /v1/archive)
 *   --claim-limit 300           OVERCRYPT_CLAIM_LIMIT (prekey claims per claimer per minute)
 *   --sqlite-sync full|normal   OVERCRYPT_SQLITE_SYNC
 *   --scrypt-log-n 15           OVERCRYPT_SCRYPT_LOG_N
 *   --cors-origin <origin>      (repeatable) extra allowed origins besides browser-extension ones
 *   --trust-proxy               honour X-Forwarded-For (behind your own proxy only)
 *   --log-level info            OVERCRYPT_LOG_LEVEL  (silent|error|warn|info|debug)
 *   --next-steps                print how to load the extension once listening (npm start)
 */
import { parseArgs } from 'node:util';
import type { RegistrationMode } from './core/accounts';

export interface ServerConfig {
  host: string;
  port: number;
  db: string;
  appKeyPath: string;
  appKeyEnv: string | undefined;
  registration: RegistrationMode;
  tokenTtlMs: number;
  adminToken: string | null;
  claimLimit: number;
  sqliteSync: 'full' | 'normal';
  scryptLogN: number;
  corsOrigins: string[];
  trustProxy: boolean;
  logLevel: string;
  nextSteps: boolean;
}

export const USAGE = `Usage: npm run directory -- [--host 127.0.0.1] [--port 8787] [--db sqlite:./data/overcrypt.db|postgres://...]
  [--app-key ./data/app-key] [--registration open|invite|closed] [--token-ttl 1h] [--admin-token SECRET]
  [--claim-limit 300] [--sqlite-sync full|normal] [--scrypt-log-n 15] [--cors-origin ORIGIN]... [--trust-proxy]
  [--log-level info] [--next-steps]`;

export class ConfigError extends Error {}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function parseDuration(value: string): number {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`not a duration: ${value} (use e.g. 3600, 20m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function integer(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${what} must be an integer ${min}-${max}: ${value}`);
  return n;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      'app-key': { type: 'string' },
      registration: { type: 'string' },
      'token-ttl': { type: 'string' },
      'admin-token': { type: 'string' },
      'claim-limit': { type: 'string' },
      'sqlite-sync': { type: 'string' },
      'scrypt-log-n': { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'trust-proxy': { type: 'boolean' },
      'log-level': { type: 'string' },
      'next-steps': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new ConfigError(USAGE);
  const host = values.host ?? env.OVERCRYPT_HOST ?? '127.0.0.1';
  const registration = values.registration ?? env.OVERCRYPT_REGISTRATION ?? (isLoopback(host) ? 'open' : 'invite');
  if (!['open', 'invite', 'closed'].includes(registration)) {
    throw new ConfigError(`--registration must be open, invite or closed: ${registration}`);
  }
  const sqliteSync = values['sqlite-sync'] ?? env.OVERCRYPT_SQLITE_SYNC ?? 'full';
  if (sqliteSync !== 'full' && sqliteSync !== 'normal') throw new ConfigError('--sqlite-sync must be full or normal');
  const tokenTtlMs = parseDuration(values['token-ttl'] ?? env.OVERCRYPT_TOKEN_TTL ?? '1h');
  if (tokenTtlMs < 1000 || tokenTtlMs > 30 * 86_400_000) throw new ConfigError('--token-ttl must be 1s-30d');
  return {
    host,
    port: integer(values.port ?? env.OVERCRYPT_PORT ?? '8787', '--port', 0, 65535),
    db: values.db ?? env.OVERCRYPT_DB ?? 'sqlite:./data/overcrypt.db',
    appKeyPath: values['app-key'] ?? env.OVERCRYPT_APP_KEY_PATH ?? './data/app-key',
    appKeyEnv: env.OVERCRYPT_APP_KEY || undefined,
    registration: registration as RegistrationMode,
    tokenTtlMs,
    adminToken: values['admin-token'] ?? env.OVERCRYPT_ADMIN_TOKEN ?? null,
    claimLimit: integer(values['claim-limit'] ?? env.OVERCRYPT_CLAIM_LIMIT ?? '300', '--claim-limit', 1, 10_000_000),
    sqliteSync,
    scryptLogN: integer(values['scrypt-log-n'] ?? env.OVERCRYPT_SCRYPT_LOG_N ?? '15', '--scrypt-log-n', 10, 20),
    corsOrigins: values['cors-origin'] ?? [],
    trustProxy: values['trust-proxy'] ?? false,
    logLevel: values['log-level'] ?? env.OVERCRYPT_LOG_LEVEL ?? 'info',
    nextSteps: values['next-steps'] ?? false,
  };
}
