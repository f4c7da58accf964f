/**
 * Durability: the real server process is SIGKILLed while cards, prekeys and backups are being
 * written; after a restart on the same files every acknowledged write is still there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardManager } from 'virgil-sdk';
import { VirgilCardCrypto } from 'virgil-crypto';
import { PrekeyKind, prekeySignedBytes } from '../../lib/directory/wire';
import { serverCrypto } from '../../server/core/crypto';
import { call } from './support/harness';
import { spawnDirectory, type DirectoryProcess } from './support/process';

let dir: string;
const running: DirectoryProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'overcrypt-durability-'));
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<DirectoryProcess> {
  const p = await spawnDirectory(['--db', `sqlite:${join(dir, 'db.sqlite')}`, '--app-key', join(dir, 'app-key'),
    '--log-level', 'warn', '--scrypt-log-n', '10', '--claim-limit', '100000']);
  running.push(p);
  return p;
}

describe('durability', () => {
  it('keeps every acknowledged card, prekey and backup across SIGKILL', async () => {
    const crypto = await serverCrypto();
    const cardCrypto = new VirgilCardCrypto(crypto);
    // Only used to build raw cards (generateRawCard); requests go through `call`.
    const generator = new CardManager({ cardCrypto, cardVerifier: { verifyCard: () => true }, apiUrl: 'http://unused', retryOnUnauthorized: false });
    let server = await start();
    expect(statSync(join(dir, 'app-key')).mode & 0o777).toBe(0o600);
    const appKey = (await call(server.url, 'GET', '/v1/app')).body.appPublicKey as string;

    expect((await call(server.url, 'POST', '/v1/accounts', { body: { identity: 'alice', password: 'alice password' } })).status).toBe(201);
    const token = (await call(server.url, 'POST', '/v1/session', { body: { identity: 'alice', password: 'alice password' } })).body.token as string;

    // One card that receives prekeys.
    const deviceKeys = crypto.generateKeys();
    const deviceRaw = generator.generateRawCard({ identity: 'alice', privateKey: deviceKeys.privateKey, publicKey: deviceKeys.publicKey });
    const device = await call(server.url, 'POST', '/card/v5', { token, body: deviceRaw.toJson() });
    expect(device.status).toBe(200);
    const deviceId = crypto.calculateHash(deviceRaw.contentSnapshot).subarray(0, 32).toString('hex');
    const spkKey = randomBytes(32);
    const spkAt = Date.now();
    const spk = {
      keyId: 1, publicKey: spkKey.toString('base64'), createdAt: spkAt,
      signature: crypto.calculateSignature(prekeySignedBytes(PrekeyKind.Signed, deviceId, 1, spkAt, spkKey), deviceKeys.privateKey).toString('base64'),
    };
    expect((await call(server.url, 'PUT', `/v1/cards/${deviceId}/prekeys`, { token, body: { signedPrekey: spk } })).status).toBe(200);

    const ackedCards: string[] = [];
    const ackedPrekeys: number[] = [];
    let ackedBackup: { version: number; blob: string } | null = null;
    let stop = false;
    let acks = 0;

    const url = server.url;
    const cardWriter = async () => {
      while (!stop) {
        const keys = crypto.generateKeys();
        const raw = generator.generateRawCard({ identity: 'alice', privateKey: keys.privateKey, publicKey: keys.publicKey });
        const id = crypto.calculateHash(raw.contentSnapshot).subarray(0, 32).toString('hex');
        try {
          const r = await call(url, 'POST', '/card/v5', { token, body: raw.toJson() });
          if (r.status === 200) { ackedCards.push(id); acks++; }
        } catch { return; }
      }
    };
    let nextKeyId = 1;
    const prekeyWriter = async () => {
      while (!stop) {
        const batch = Array.from({ length: 5 }, () => {
          const keyId = nextKeyId++;
          const publicKey = randomBytes(32);
          const createdAt = Date.now();
          const signature = crypto.calculateSignature(prekeySignedBytes(PrekeyKind.OneTime, deviceId, keyId, createdAt, publicKey), deviceKeys.privateKey);
          return { keyId, publicKey: publicKey.toString('base64'), createdAt, signature: signature.toString('base64') };
        });
        try {
          const r = await call(url, 'PUT', `/v1/cards/${deviceId}/prekeys`, { token, body: { oneTimePrekeys: batch } });
          if (r.status === 200) { ackedPrekeys.push(...batch.map((k) => k.keyId)); acks++; }
        } catch { return; }
      }
    };
    const backupWriter = async () => {
      while (!stop) {
        const blob = randomBytes(512).toString('base64');
        const headers: Record<string, string> = ackedBackup ? { 'if-match': `"${ackedBackup.version}"` } : { 'if-none-match': '*' };
        try {
          const r = await call(url, 'PUT', '/v1/backup', { token, body: { blob }, headers });
          if (r.status === 200) { ackedBackup = { version: r.body.version, blob }; acks++; }
        } catch { return; }
      }
    };

    const writers = [cardWriter(), cardWriter(), prekeyWriter(), prekeyWriter(), backupWriter()];
    // Kill once enough writes were acknowledged, while the writers are still sending.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        // (or the server died on its own: then the checks below fail instead of the test hanging)
        if (acks >= 60 || server.child.exitCode !== null) { clearInterval(poll); resolve(); }
      }, 5);
    });
    server.child.kill('SIGKILL');
    await server.exited;
    stop = true;
    await Promise.all(writers);
    expect(ackedCards.length).toBeGreaterThan(0);
    expect(ackedPrekeys.length).toBeGreaterThan(0);
    expect(ackedBackup).not.toBeNull();

    server = await start();
    expect((await call(server.url, 'GET', '/v1/app')).body.appPublicKey).toBe(appKey);
    // The old token still works: same app key.
    for (const id of [deviceId, ...ackedCards]) {
      const r = await call(server.url, 'GET', `/card/v5/${id}`, { token });
      expect(r.status, id).toBe(200);
    }
    const search = await call(server.url, 'POST', '/card/v5/actions/search', { token, body: { identities: ['alice'] } });
    const found = new Set((search.body as { content_snapshot: string }[]).map((c) =>
      crypto.calculateHash(Buffer.from(c.content_snapshot, 'base64')).subarray(0, 32).toString('hex')));
    for (const id of ackedCards) expect(found.has(id)).toBe(true);

    // Claim every stored one-time key of the device: each acknowledged key id must come out.
    const claimed = new Set<number>();
    for (;;) {
      const r = await call(server.url, 'POST', '/v1/prekeys/actions/claim', { token, body: { identity: 'alice' } });
      expect(r.status).toBe(200);
      const bundle = (r.body.bundles as { cardId: string; oneTimePrekey: { keyId: number } | null }[]).find((b) => b.cardId === deviceId);
      expect(bundle).toBeDefined();
      if (!bundle!.oneTimePrekey) break;
      expect(claimed.has(bundle!.oneTimePrekey.keyId)).toBe(false);
      claimed.add(bundle!.oneTimePrekey.keyId);
    }
    for (const keyId of ackedPrekeys) expect(claimed.has(keyId), `prekey ${keyId}`).toBe(true);

    const backup = await call(server.url, 'GET', '/v1/backup', { token });
    const acked = ackedBackup as unknown as { version: number; blob: string };
    expect(backup.body.version).toBeGreaterThanOrEqual(acked.version);
    if (backup.body.version === acked.version) expect(backup.body.blob).toBe(acked.blob);
    server.child.kill('SIGTERM');
    await server.exited;
  }, 120_000);
});
