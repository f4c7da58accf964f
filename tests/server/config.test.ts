/** Flags and environment, and the app key file. */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, parseDuration } from '../../server/config';
import { loadAppIdentity } from '../../server/core/appIdentity';
import { serverCrypto } from '../../server/core/crypto';

describe('config', () => {
  it('defaults to loopback, port 8787, SQLite under ./data, open registration', () => {
    const c = parseConfig([], {});
    expect(c).toMatchObject({
      host: '127.0.0.1', port: 8787, db: 'sqlite:./data/overcrypt.db', appKeyPath: './data/app-key', registration: 'open',
      tokenTtlMs: 3_600_000, adminToken: null, sqliteSync: 'full',
    });
  });

  it('defaults to invite-only registration when bound beyond loopback; explicit modes win', () => {
    expect(parseConfig(['--host', '0.0.0.0'], {}).registration).toBe('invite');
    expect(parseConfig(['--host', '::'], {}).registration).toBe('invite');
    expect(parseConfig(['--host', '0.0.0.0', '--registration', 'open'], {}).registration).toBe('open');
    expect(parseConfig([], { OVERCRYPT_REGISTRATION: 'closed' }).registration).toBe('closed');
  });

  it('reads flags before environment', () => {
    const c = parseConfig(['--port', '9000', '--db', 'postgres://u@h/d', '--token-ttl', '20m', '--admin-token', 'x'],
      { OVERCRYPT_PORT: '1', OVERCRYPT_DB: 'sqlite:/nope', OVERCRYPT_APP_KEY: 'abc' });
    expect(c).toMatchObject({ port: 9000, db: 'postgres://u@h/d', tokenTtlMs: 1_200_000, adminToken: 'x', appKeyEnv: 'abc' });
    expect(parseConfig([], { OVERCRYPT_PORT: '1234' }).port).toBe(1234);
  });

  it('refuses bad values and unknown flags', () => {
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--registration', 'maybe'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--token-ttl', 'soon'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--sqlite-sync', 'off'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--frobnicate'], {})).toThrow();
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
  });
});

describe('app key', () => {
  it('is created once with mode 0600, reused, and refused when others can read it', async () => {
    const crypto = await serverCrypto();
    const dir = mkdtempSync(join(tmpdir(), 'overcrypt-appkey-'));
    try {
      const path = join(dir, 'sub', 'app-key');
      const first = loadAppIdentity(crypto, { path });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const again = loadAppIdentity(crypto, { path });
      expect(again.publicKeyBase64).toBe(first.publicKeyBase64);
      expect(again.appId).toBe(first.appId);
      // The env key wins over the file.
      const env = loadAppIdentity(crypto, { path: join(dir, 'unused'), envKey: readFileSync(path, 'utf8') });
      expect(env.appId).toBe(first.appId);
      chmodSync(path, 0o644);
      expect(() => loadAppIdentity(crypto, { path })).toThrow(/chmod 600/);
      const junk = join(dir, 'junk');
      writeFileSync(junk, 'not a key', { mode: 0o600 });
      expect(() => loadAppIdentity(crypto, { path: junk })).toThrow(/not a virgil-crypto private key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
