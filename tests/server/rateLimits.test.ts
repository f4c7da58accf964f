/**
 * Rate limits shared through the database: the Repository's window counters and the account
 * limits built on them, on SQLite and PostgreSQL. "Two processes" are two Repository
 * connections to one database, each with its own AccountService.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirgilCrypto } from 'virgil-crypto';
import { ErrorCode, isError } from '../../lib/errors';
import { AccountService, type AccountsConfig } from '../../server/core/accounts';
import { loadAppIdentity, type AppIdentity } from '../../server/core/appIdentity';
import { serverCrypto } from '../../server/core/crypto';
import { createDirectory } from '../../server/core/directory';
import { hashPassword } from '../../server/core/passwords';
import { TokenService } from '../../server/core/tokens';
import type { Repository } from '../../server/storage/repository';
import { startBackends, type TestDatabase } from './support/backends';
import { call, startTestDirectory } from './support/harness';

const backends = await startBackends();
const keyDir = mkdtempSync(join(tmpdir(), 'overcrypt-ratelimit-'));
let crypto: VirgilCrypto;
let app: AppIdentity;
beforeAll(async () => {
  crypto = await serverCrypto();
  app = loadAppIdentity(crypto, { path: join(keyDir, 'app-key') });
});
afterAll(async () => {
  await backends.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

const SCRYPT = { logN: 10, r: 8, p: 1 };
const MINUTE = 60_000;
const PASSWORD = 'correct horse battery';

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isError(e)) return e.code;
    throw e;
  }
}

describe.each(backends.list)('rate-limit windows: $name', (backend) => {
  let db: TestDatabase;
  afterEach(async () => {
    await db?.cleanup();
  });
  const connect = async () => {
    db = await backend.create();
    return db.connect();
  };

  it('counts hits in a fixed window that starts at the first hit and expires after windowMs', async () => {
    const repo = await connect();
    expect(await repo.windowCount('k', 1000)).toBe(0);
    expect(await repo.hitWindow('k', MINUTE, 1000)).toBe(1);
    expect(await repo.hitWindow('k', MINUTE, 1000 + MINUTE - 1)).toBe(2);
    expect(await repo.windowCount('k', 1000 + MINUTE - 1)).toBe(2);
    expect(await repo.windowCount('other', 1000)).toBe(0);
    // The window started at 1000: at 1000 + MINUTE it is over, and the next hit starts a new one.
    expect(await repo.windowCount('k', 1000 + MINUTE)).toBe(0);
    expect(await repo.hitWindow('k', MINUTE, 1000 + MINUTE + 5)).toBe(1);
    expect(await repo.hitWindow('k', MINUTE, 1000 + 2 * MINUTE)).toBe(2);
    expect(await repo.windowCount('k', 1000 + 2 * MINUTE + 4)).toBe(2);
    expect(await repo.windowCount('k', 1000 + 2 * MINUTE + 5)).toBe(0);
  });

  it('resets a key, and undoes a hit only in the window it was counted in', async () => {
    const repo = await connect();
    await repo.hitWindow('a', MINUTE, 0);
    await repo.hitWindow('a', MINUTE, 10);
    await repo.hitWindow('b', MINUTE, 0);
    await repo.resetWindow('a');
    expect(await repo.windowCount('a', 20)).toBe(0);
    expect(await repo.windowCount('b', 20)).toBe(1);
    await repo.resetWindow('never-hit');

    await repo.undoWindowHit('b', 5);
    expect(await repo.windowCount('b', 20)).toBe(0);
    await repo.undoWindowHit('b', 6); // never below zero
    expect(await repo.hitWindow('b', MINUTE, 30)).toBe(1);

    // A hit made in an old window is not taken back from the window after it.
    await repo.hitWindow('c', MINUTE, 0);
    await repo.hitWindow('c', MINUTE, MINUTE + 1);
    await repo.undoWindowHit('c', 0);
    expect(await repo.windowCount('c', MINUTE + 2)).toBe(1);
    await repo.undoWindowHit('c', MINUTE + 1);
    expect(await repo.windowCount('c', MINUTE + 2)).toBe(0);
  });

  it('counts 200 parallel hits from two connections exactly', async () => {
    const first = await connect();
    const second = await db.connect();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? first : second).hitWindow('burst', MINUTE, 1000 + i)),
    );
    // Every hit saw a different count: none was lost or counted twice.
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await first.windowCount('burst', 2000)).toBe(200);
    expect(await second.windowCount('burst', 2000)).toBe(200);
  });

  it('adds the rate_windows table to a database made before it (migration 2)', async () => {
    const repo = await connect();
    await repo.createAccount({ identity: 'old-user', passwordHash: 'h', createdAt: 1 });
    await repo.close();
    // Back to the schema as it was before migration 2.
    await db.sql('DROP TABLE rate_windows; DELETE FROM schema_migrations WHERE version = 2;');
    const upgraded = await db.connect();
    expect(await upgraded.hitWindow('k', MINUTE, 0)).toBe(1);
    expect((await upgraded.getAccount('old-user'))?.identity).toBe('old-user');
  });

  it('purges only expired windows', async () => {
    const repo = await connect();
    await repo.hitWindow('old', 1000, 0); // expires at 1000
    await repo.hitWindow('edge', 1000, 500); // expires at 1500
    await repo.hitWindow('live', MINUTE, 0);
    await repo.hitWindow('live', MINUTE, 1); // two hits, expires at MINUTE
    expect(await repo.purgeExpiredWindows(1500)).toBe(2);
    expect(await repo.purgeExpiredWindows(1500)).toBe(0);
    expect(await repo.windowCount('live', 1500)).toBe(2);
    // Purged keys start afresh.
    expect(await repo.hitWindow('old', 1000, 1600)).toBe(1);
  });
});

describe.each(backends.list)('account limits shared by two directory processes: $name', (backend) => {
  let db: TestDatabase;
  afterEach(async () => {
    await db?.cleanup();
  });

  /** Two AccountServices, each on its own connection to one fresh database, with one account 'alice'. */
  async function twoProcesses(config: Partial<AccountsConfig> = {}, clock = manualClock()) {
    db = await backend.create();
    const repos = [await db.connect(), await db.connect()];
    await repos[0]!.createAccount({ identity: 'alice', passwordHash: await hashPassword(PASSWORD, SCRYPT), createdAt: 1 });
    const services = repos.map((repo) => accountService(repo, clock.now, config));
    return { repos, services: services as [AccountService, AccountService], clock };
  }
  function accountService(repo: Repository, now: () => number, config: Partial<AccountsConfig>): AccountService {
    return new AccountService(repo, new TokenService(crypto, app, 3_600_000, now),
      { registration: 'open', scrypt: SCRYPT, ...config }, now);
  }
  const login = (s: AccountService, password: string, address = '10.0.0.1', identity = 'alice') =>
    codeOf(s.login({ identity, password }, address));

  it('shares the failed-login budget per identity: the 11th failure across both is refused', async () => {
    const { services } = await twoProcesses();
    for (let i = 0; i < 10; i++) {
      // Alternating processes and addresses: only the shared per-identity count can stop this.
      expect(await login(services[i % 2]!, `wrong ${i}`, `10.0.0.${i}`)).toBe(ErrorCode.WrongPassword);
    }
    expect(await login(services[0], 'wrong 10', '10.0.1.1')).toBe(ErrorCode.RateLimited);
    expect(await login(services[1], 'wrong 11', '10.0.1.2')).toBe(ErrorCode.RateLimited);
    // Even the right password is refused until the window passes.
    expect(await login(services[1], PASSWORD, '10.0.1.3')).toBe(ErrorCode.RateLimited);
  });

  it('shares the per-address budget across identities and processes', async () => {
    const { services } = await twoProcesses({ loginFailuresPerAddress: 4 });
    for (let i = 0; i < 4; i++) expect(await login(services[i % 2]!, 'wrong pw', '10.9.9.9', `user${i}`)).toBe(ErrorCode.WrongPassword);
    expect(await login(services[0], PASSWORD, '10.9.9.9')).toBe(ErrorCode.RateLimited);
    expect(await login(services[1], PASSWORD, '10.9.9.8')).toBe('ok');
  });

  it('opens again when the window has passed (injected clock)', async () => {
    const { services, clock } = await twoProcesses({ loginWindowMs: 15 * MINUTE });
    for (let i = 0; i < 10; i++) await login(services[i % 2]!, `wrong ${i}`);
    clock.advance(15 * MINUTE - 1);
    expect(await login(services[0], PASSWORD)).toBe(ErrorCode.RateLimited);
    clock.advance(1);
    expect(await login(services[1], PASSWORD)).toBe('ok');
  });

  it('resets the identity count on a successful login, in both processes', async () => {
    const { services } = await twoProcesses();
    for (let i = 0; i < 9; i++) expect(await login(services[i % 2]!, `wrong ${i}`)).toBe(ErrorCode.WrongPassword);
    expect(await login(services[0], PASSWORD)).toBe('ok');
    for (let i = 0; i < 10; i++) expect(await login(services[1], `again ${i}`, '10.0.0.2')).toBe(ErrorCode.WrongPassword);
    expect(await login(services[0], 'one more', '10.0.0.3')).toBe(ErrorCode.RateLimited);
  });

  it('successful logins do not use up the per-address budget', async () => {
    const { services } = await twoProcesses({ loginFailuresPerAddress: 3 });
    for (let i = 0; i < 8; i++) expect(await login(services[i % 2]!, PASSWORD)).toBe('ok');
    for (let i = 0; i < 3; i++) expect(await login(services[i % 2]!, 'wrong pw')).toBe(ErrorCode.WrongPassword);
    expect(await login(services[0], PASSWORD)).toBe(ErrorCode.RateLimited);
  });

  it('a burst of 40 parallel guesses over both processes gets exactly 10 password checks', async () => {
    const { services, repos, clock } = await twoProcesses();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(services[i % 2]!, `guess ${i}`, `10.1.0.${i}`)),
    );
    expect(results.filter((r) => r === ErrorCode.WrongPassword)).toHaveLength(10);
    expect(results.filter((r) => r === ErrorCode.RateLimited)).toHaveLength(30);
    // Refused attempts were given back: the record holds the ten failures.
    expect(await repos[1]!.windowCount('login-id:alice', clock.now())).toBe(10);
  });

  it('shares the registrations-per-address budget', async () => {
    const { services } = await twoProcesses({ registrationsPerAddress: 3 });
    const register = (s: AccountService, identity: string, address = '10.2.0.1') =>
      codeOf(s.register({ identity, password: PASSWORD }, address));
    expect(await register(services[0], 'r1')).toBe('ok');
    expect(await register(services[1], 'r2')).toBe('ok');
    expect(await register(services[0], 'r1')).toBe(ErrorCode.Conflict); // counts: it cost a hash
    expect(await register(services[1], 'r3')).toBe(ErrorCode.RateLimited);
    expect(await register(services[0], 'r3', '10.2.0.2')).toBe('ok');
  });

  it('the directory purge removes expired windows and keeps live ones', async () => {
    db = await backend.create();
    const repo = await db.connect();
    const clock = manualClock();
    const directory = createDirectory({
      crypto, repo, app, now: clock.now,
      config: { accounts: { registration: 'open', scrypt: SCRYPT }, tokenTtlMs: 3_600_000, adminToken: null },
    });
    await login(directory.accounts, 'wrong pw', '10.3.0.1', 'ghost');
    clock.advance(14 * MINUTE);
    await login(directory.accounts, 'wrong pw', '10.3.0.1', 'phantom');
    clock.advance(MINUTE);
    // ghost's window and the address's (both started at the first failure) are over; phantom's is not.
    expect(await directory.purgeExpired()).toEqual({ envelopes: 0, rateWindows: 2 });
    expect(await repo.windowCount('login-addr:10.3.0.1', clock.now() - 1)).toBe(0);
    expect(await repo.windowCount('login-id:phantom', clock.now())).toBe(1);
    expect(await repo.windowCount('login-id:ghost', clock.now())).toBe(0);
  });
});

describe.each(backends.list)('two directory servers on one database: $name', (backend) => {
  it('answer 429 after the 10th failed login made across both, over HTTP', async () => {
    const db = await backend.create();
    const config = { accounts: { registration: 'open' as const, scrypt: SCRYPT } };
    const servers = [
      await startTestDirectory({ repo: await db.connect(), config }),
      await startTestDirectory({ repo: await db.connect(), config }),
    ];
    try {
      const session = (i: number, password: string) =>
        call(servers[i % 2]!.url, 'POST', '/v1/session', { body: { identity: 'ida', password } });
      expect((await call(servers[0]!.url, 'POST', '/v1/accounts', { body: { identity: 'ida', password: PASSWORD } })).status).toBe(201);
      expect((await session(1, PASSWORD)).status).toBe(200); // the account is visible to both
      for (let i = 0; i < 10; i++) expect((await session(i, `wrong ${i}`)).status).toBe(401);
      for (const i of [0, 1]) {
        const limited = await session(i, PASSWORD);
        expect(limited).toMatchObject({ status: 429, body: { code: 'RateLimited' } });
        expect(limited.headers.get('retry-after')).toBe('60');
      }
    } finally {
      for (const s of servers) await s.close();
      await db.cleanup();
    }
  });
});
