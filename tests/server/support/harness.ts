/**
 * Test harness: an in-process directory on a free loopback port with a temp SQLite file,
 * plus clients that use the real virgil-sdk CardManager.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CallbackJwtProvider, CardManager, VirgilCardVerifier } from 'virgil-sdk';
import { VirgilCardCrypto, type VirgilCrypto, type VirgilPrivateKey } from 'virgil-crypto';
import { loadAppIdentity } from '../../../server/core/appIdentity';
import { serverCrypto } from '../../../server/core/crypto';
import { createDirectory, type Directory, type DirectoryConfig } from '../../../server/core/directory';
import { buildHttpServer } from '../../../server/http/app';
import { openSqlite } from '../../../server/storage/sqlite';
import type { Repository } from '../../../server/storage/repository';

export interface TestDirectory {
  url: string;
  directory: Directory;
  appPublicKey: string;
  crypto: VirgilCrypto;
  /** Everything the server logged (JSON lines). */
  logs: string[];
  close(): Promise<void>;
}

export interface TestDirectoryOptions {
  config?: Partial<DirectoryConfig>;
  now?: () => number;
  repo?: Repository;
}

export async function startTestDirectory(options: TestDirectoryOptions = {}): Promise<TestDirectory> {
  const crypto = await serverCrypto();
  const dir = mkdtempSync(join(tmpdir(), 'overcrypt-api-'));
  const repo = options.repo ?? openSqlite(join(dir, 'db.sqlite'), { synchronous: 'normal' });
  const app = loadAppIdentity(crypto, { path: join(dir, 'app-key') });
  const directory = createDirectory({
    crypto, repo, app, now: options.now,
    config: {
      accounts: { registration: 'open', scrypt: { logN: 12, r: 8, p: 1 } },
      tokenTtlMs: 3_600_000,
      adminToken: null,
      ...options.config,
    },
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const http = await buildHttpServer(directory, {
    logger: { level: 'trace', stream, redact: ['req.headers.authorization'] },
  });
  const url = await http.listen({ host: '127.0.0.1', port: 0 });
  return {
    url, directory, appPublicKey: app.publicKeyBase64, crypto, logs,
    async close() {
      await http.close();
      await repo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fetch against the directory with JSON in and out. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Virgil ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export interface TestUser {
  identity: string;
  password: string;
  token: string;
  cards: CardManager;
  newKeys(): { privateKey: VirgilPrivateKey; publicKey: ReturnType<VirgilCrypto['generateKeys']>['publicKey'] };
}

export async function newUser(t: TestDirectory, identity: string, password = 'correct horse battery'): Promise<TestUser> {
  const created = await call(t.url, 'POST', '/v1/accounts', { body: { identity, password } });
  if (created.status !== 201) throw new Error(`account ${identity}: ${created.status} ${JSON.stringify(created.body)}`);
  const login = async () => {
    const r = await call(t.url, 'POST', '/v1/session', { body: { identity, password } });
    if (r.status !== 200) throw new Error(`session ${identity}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  };
  return {
    identity, password, token: await login(),
    cards: cardManager(t, login),
    newKeys: () => t.crypto.generateKeys(),
  };
}

/** The real virgil-sdk CardManager, requiring the directory's `app` signature and not Virgil's. */
export function cardManager(t: TestDirectory, getToken: () => Promise<string>): CardManager {
  const cardCrypto = new VirgilCardCrypto(t.crypto);
  return new CardManager({
    cardCrypto,
    cardVerifier: new VirgilCardVerifier(cardCrypto, {
      verifySelfSignature: true,
      verifyVirgilSignature: false,
      whitelists: [[{ signer: 'app', publicKeyBase64: t.appPublicKey }]],
    }),
    accessTokenProvider: new CallbackJwtProvider(() => getToken()),
    apiUrl: t.url,
    retryOnUnauthorized: true,
  });
}
