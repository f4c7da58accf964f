/**
 * `npm run bench:server`: directory throughput and latency on SQLite over loopback.
 * Starts the real server (server/main.ts) as a child process, seeds identities with cards and
 * signed one-time prekeys, then drives card search and prekey claim with autocannon for a
 * bounded time each (BENCH_SERVER_DURATION seconds, default 5) with autocannon's default 10
 * connections. Targets (2-core machine): search >= 5,000 req/s, claim >= 2,000 req/s, p99 < 20 ms.
 * Claims are durable writes: BENCH_SQLITE_SYNC=normal runs the server without the WAL fsync.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CardManager } from 'virgil-sdk';
import { VirgilCardCrypto } from 'virgil-crypto';
import { PrekeyKind, prekeySignedBytes } from '../lib/directory/wire';
import { serverCrypto } from '../server/core/crypto';
import { isMain, percentile, runStandalone, type Metrics } from './metric';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url));
const DURATION_S = Number(process.env.BENCH_SERVER_DURATION ?? 5);
const CONNECTIONS = 10; // autocannon's default
const TARGETS = 30; // identities whose prekeys are claimed
const KEYS_PER_TARGET = 1000; // the per-card cap on unclaimed one-time prekeys

export async function run(): Promise<Metrics> {
  const dir = mkdtempSync(join(tmpdir(), 'overcrypt-bench-'));
  const server = await startServer(dir);
  try {
    const { token, targets } = await seed(server.url);
    const headers = { authorization: `Virgil ${token}`, 'content-type': 'application/json' };
    const search = await load(server.url, {
      requests: targets.slice(0, 10).map((identity) => ({
        method: 'POST', path: '/card/v5/actions/search', headers, body: JSON.stringify({ identities: [identity] }),
      })),
    });
    const claim = await load(server.url, {
      requests: targets.map((identity) => ({
        method: 'POST', path: '/v1/prekeys/actions/claim', headers, body: JSON.stringify({ identity }),
      })),
    });
    return {
      'server.search.throughput': { value: search.requests.average, unit: 'req/s', target: 5000, better: 'higher' },
      'server.search.p50': { value: search.latency.p50, unit: 'ms', target: null, better: 'lower' },
      'server.search.p99': { value: search.latency.p99, unit: 'ms', target: 20, better: 'lower' },
      'server.search.failures': { value: search.non2xx + search.errors + search.timeouts, unit: 'requests', target: 0, better: 'lower' },
      'server.claim.throughput': { value: claim.requests.average, unit: 'req/s', target: 2000, better: 'higher' },
      'server.claim.p50': { value: claim.latency.p50, unit: 'ms', target: null, better: 'lower' },
      'server.claim.p99': { value: claim.latency.p99, unit: 'ms', target: 20, better: 'lower' },
      'server.claim.failures': { value: claim.non2xx + claim.errors + claim.timeouts, unit: 'requests', target: 0, better: 'lower' },
      // Context: every acknowledged claim waits for an fdatasync of the WAL (unless BENCH_SQLITE_SYNC=normal),
      // so the claim p99 cannot beat the disk's own fdatasync p99.
      'server.disk.fdatasync.p99': { value: fdatasyncP99(dir), unit: 'ms', target: null, better: 'lower' },
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** p99 of 200 fdatasyncs of 4 KiB appends in the bench's data directory. */
function fdatasyncP99(dir: string): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const sample: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, Buffer.alloc(4096, i));
      const start = performance.now();
      fdatasyncSync(fd);
      sample.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
  }
  return percentile(sample, 99);
}

function load(url: string, opts: Record<string, unknown>): Promise<AutocannonResult> {
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...opts });
}

async function startServer(dir: string): Promise<{ url: string; child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--db', `sqlite:${join(dir, 'db.sqlite')}`,
    '--app-key', join(dir, 'app-key'), '--log-level', 'warn', '--scrypt-log-n', '10', '--claim-limit', '10000000', ...(process.env.BENCH_SQLITE_SYNC ? ['--sqlite-sync', process.env.BENCH_SQLITE_SYNC] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /overcrypt-directory listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`directory exited (${code}):\n${out}`)));
  });
  return { url, child, exited };
}

async function post(url: string, path: string, body: unknown, token?: string, method = 'POST'): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Virgil ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function session(url: string, identity: string): Promise<string> {
  await post(url, '/v1/accounts', { identity, password: 'bench password' });
  return (await post(url, '/v1/session', { identity, password: 'bench password' })).token as string;
}

/** A claimer, and TARGETS identities with one card, a signed prekey and KEYS_PER_TARGET one-time prekeys each. */
async function seed(url: string): Promise<{ token: string; targets: string[] }> {
  const crypto = await serverCrypto();
  const generator = new CardManager({
    cardCrypto: new VirgilCardCrypto(crypto), cardVerifier: { verifyCard: () => true }, apiUrl: url, retryOnUnauthorized: false,
  });
  const token = await session(url, 'bench-claimer');
  const targets = Array.from({ length: TARGETS }, (_, i) => `bench-target-${i}`);
  await Promise.all(targets.map(async (identity) => {
    const t = await session(url, identity);
    const keys = crypto.generateKeys();
    const raw = generator.generateRawCard({ identity, privateKey: keys.privateKey, publicKey: keys.publicKey });
    await post(url, '/card/v5', raw.toJson(), t);
    const cardId = crypto.calculateHash(raw.contentSnapshot).subarray(0, 32).toString('hex');
    const sign = (kind: PrekeyKind, keyId: number) => {
      const publicKey = randomBytes(32);
      const createdAt = Date.now();
      const signature = crypto.calculateSignature(prekeySignedBytes(kind, cardId, keyId, createdAt, publicKey), keys.privateKey);
      return { keyId, publicKey: publicKey.toString('base64'), createdAt, signature: signature.toString('base64') };
    };
    await post(url, `/v1/cards/${cardId}/prekeys`, { signedPrekey: sign(PrekeyKind.Signed, 0) }, t, 'PUT');
    for (let start = 1; start <= KEYS_PER_TARGET; start += 200) {
      const batch = Array.from({ length: Math.min(200, KEYS_PER_TARGET - start + 1) }, (_, i) => sign(PrekeyKind.OneTime, start + i));
      await post(url, `/v1/cards/${cardId}/prekeys`, { oneTimePrekeys: batch }, t, 'PUT');
    }
  }));
  return { token, targets };
}

if (isMain(import.meta.url)) await runStandalone('directory server (SQLite, loopback)', run);
