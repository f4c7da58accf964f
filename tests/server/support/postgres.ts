/**
 * A PostgreSQL server for the storage tests.
 * 1. OVERCRYPT_TEST_PG_URL set: use it.
 * 2. else Debian's initdb present: a throwaway cluster in a temp dir on a free 127.0.0.1 port
 *    (as root, run as the `postgres` user), stopped and deleted by `stop()`.
 * 3. else: in CI (process.env.CI) fail loudly; locally skip with a visible message.
 * Each test then takes its own schema (`freshSchema`) and drops it afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/** Returns null when PostgreSQL is unavailable locally (the caller skips, visibly). */
export async function startPostgres(): Promise<PostgresHandle | null> {
  const given = process.env.OVERCRYPT_TEST_PG_URL;
  if (given) return { url: given, stop: async () => undefined };
  const bin = findPgBin();
  if (!bin) {
    const message = 'PostgreSQL not found (no OVERCRYPT_TEST_PG_URL, no /usr/lib/postgresql/*/bin/initdb)';
    if (process.env.CI) throw new Error(`${message}: CI must run the PostgreSQL storage tests`);
    console.warn(`\n*** SKIPPING PostgreSQL storage tests: ${message} ***\n`);
    return null;
  }
  return startCluster(bin);
}

function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function startCluster(bin: string): Promise<PostgresHandle> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'overcrypt-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Even if the test process ends without afterAll (crash, timeout), leave no cluster behind.
  process.once('exit', stopNow);
  const stop = async () => stopNow();
  // The free port may be taken between probing and binding: retry a few times.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
    try {
      run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
      return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
    } catch (e) {
      if (attempt >= 3) {
        await stop();
        throw e;
      }
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A unique schema name for one test; `dropSchema` removes it. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
