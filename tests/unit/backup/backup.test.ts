import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { exportPrivateKeyBytes, generateDeviceKey, generateIdentityKey } from '../../../lib/cards';
import {
  BackupClient, backupContentsFromKeys, changeBackupPassword, deriveBackupKeyMaterial, deriveLoginPassword, inspectBackup, keysFromBackupContents,
  newArgon2Params, openBackup, sealBackup, type BackupKeys,
} from '../../../lib/backup';
import { ErrorCode } from '../../../lib/errors';

const PASSWORD = 'correct horse battery staple';
let keys: BackupKeys;
let blob: string;

beforeAll(async () => {
  await ensureCrypto();
  keys = { identity: 'alice', identityKey: generateIdentityKey(), devices: [{ cardId: 'a'.repeat(64), key: generateDeviceKey() }], historyKey: new Uint8Array(32).fill(7) };
  blob = await sealBackup(backupContentsFromKeys(keys, 1_700_000_000_000), PASSWORD, { version: 3 });
}, 60_000);

/** Decodes the blob JSON, applies `edit`, encodes again (what a hostile server could do). */
function rewrite(b: string, edit: (json: Record<string, any>) => void): string {
  const json = JSON.parse(Buffer.from(b, 'base64').toString('utf8'));
  edit(json);
  return Buffer.from(JSON.stringify(json)).toString('base64');
}

describe('backup', { timeout: 90_000 }, () => {
  it('round-trips identity key, device keys and the history key slot; restored keys work', async () => {
    const contents = await openBackup(blob, PASSWORD, { identity: 'alice', lastSeenVersion: 3 });
    const restored = keysFromBackupContents(contents);
    expect(exportPrivateKeyBytes(restored.identityKey.privateKey)).toEqual(exportPrivateKeyBytes(keys.identityKey.privateKey));
    expect(restored.devices[0]!.cardId).toBe('a'.repeat(64));
    expect(restored.historyKey).toEqual(new Uint8Array(32).fill(7));
    const sig = virgil().calculateSignature('hello', restored.devices[0]!.key.privateKey);
    expect(virgil().verifySignature('hello', sig, keys.devices[0]!.key.publicKey)).toBe(true);
    expect(inspectBackup(blob)).toMatchObject({ identity: 'alice', version: 3, kdf: { algorithm: 'argon2id', memoryKiB: 65536, iterations: 3 } });
  });

  it('a wrong password is WrongPassword', async () => {
    await expect(openBackup(blob, 'tr0ub4dor&3', { identity: 'alice', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.WrongPassword });
  });

  it('weak KDF parameters are refused on write and on read (before any derivation)', async () => {
    const contents = backupContentsFromKeys(keys, 1);
    await expect(sealBackup(contents, PASSWORD, { version: 1, kdf: { ...newArgon2Params(), memoryKiB: 1024 } })).rejects.toMatchObject({ code: ErrorCode.WeakKdfParams });
    await expect(sealBackup(contents, PASSWORD, { version: 1, kdf: { ...newArgon2Params(), iterations: 1 } })).rejects.toMatchObject({ code: ErrorCode.WeakKdfParams });
    expect(() => newArgon2Params({ memoryKiB: 8192 })).toThrow(expect.objectContaining({ code: ErrorCode.WeakKdfParams }));
    for (const edit of [(j: any) => (j.kdf.memoryKiB = 1024), (j: any) => (j.kdf.iterations = 2), (j: any) => (j.kdf.salt = 'AAAA'), (j: any) => (j.kdf.algorithm = 'pbkdf2')]) {
      const weak = rewrite(blob, edit);
      const started = performance.now();
      await expect(openBackup(weak, PASSWORD, { identity: 'alice', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.WeakKdfParams });
      expect(performance.now() - started).toBeLessThan(50);
    }
    await expect(openBackup(rewrite(blob, (j) => (j.kdf.memoryKiB = 1 << 30)), PASSWORD, { identity: 'alice', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.TooLarge });
  });

  it('an older version than last seen is refused; bumping the version field is detected', async () => {
    await expect(openBackup(blob, PASSWORD, { identity: 'alice', lastSeenVersion: 4 })).rejects.toMatchObject({ code: ErrorCode.BackupRollback });
    const bumped = rewrite(blob, (j) => (j.version = 9));
    await expect(openBackup(bumped, PASSWORD, { identity: 'alice', lastSeenVersion: 4 })).rejects.toMatchObject({ code: ErrorCode.Tampered });
  });

  it('a blob of another identity, or one relabelled to this identity, is refused', async () => {
    await expect(openBackup(blob, PASSWORD, { identity: 'bob', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.Tampered });
    const relabelled = rewrite(blob, (j) => (j.identity = 'bob'));
    await expect(openBackup(relabelled, PASSWORD, { identity: 'bob', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.Tampered });
    await expect(openBackup('bm90IGEgYmFja3Vw', PASSWORD, { identity: 'alice', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.Malformed });
    await expect(openBackup(rewrite(blob, (j) => (j.v = 2)), PASSWORD, { identity: 'alice', lastSeenVersion: 0 })).rejects.toMatchObject({ code: ErrorCode.UnsupportedVersion });
  });

  it('password change re-encrypts with a fresh salt and a higher version', async () => {
    const changed = await changeBackupPassword(blob, PASSWORD, 'new password 2', { identity: 'alice', lastSeenVersion: 3 });
    expect(changed.version).toBe(4);
    expect(inspectBackup(changed.blob).kdf.salt).not.toBe(inspectBackup(blob).kdf.salt);
    const contents = await openBackup(changed.blob, 'new password 2', { identity: 'alice', lastSeenVersion: 4 });
    expect(contents.identityKey).toEqual(exportPrivateKeyBytes(keys.identityKey.privateKey));
    await expect(openBackup(changed.blob, PASSWORD, { identity: 'alice', lastSeenVersion: 4 })).rejects.toMatchObject({ code: ErrorCode.WrongPassword });
    await expect(openBackup(blob, PASSWORD, { identity: 'alice', lastSeenVersion: 4 })).rejects.toMatchObject({ code: ErrorCode.BackupRollback });
  });

  it('the login password is deterministic per identity and unrelated to the backup key', async () => {
    const a = await deriveLoginPassword(PASSWORD, 'alice');
    expect(await deriveLoginPassword(PASSWORD, 'alice')).toBe(a);
    expect(await deriveLoginPassword(PASSWORD, 'bob')).not.toBe(a);
    expect(a).not.toContain(PASSWORD);
    const backupMaterial = await deriveBackupKeyMaterial(PASSWORD, inspectBackup(blob).kdf);
    expect(Buffer.from(backupMaterial).toString('base64')).not.toBe(a);
  });

  it('BackupClient creates with If-None-Match and replaces with If-Match; a lost race is PreconditionFailed', async () => {
    let stored: { version: number; blob: string } | undefined;
    const seen: Record<string, string>[] = [];
    const fetchFn = async (_url: string, init: RequestInit): Promise<Response> => {
      const h = Object.fromEntries(new Headers(init.headers).entries());
      seen.push(h);
      if (init.method === 'GET') return stored ? Response.json(stored) : new Response('{"code":"NotFound","message":"none"}', { status: 404 });
      const ifMatch = h['if-match'];
      const ok = ifMatch === undefined ? h['if-none-match'] === '*' && !stored : stored !== undefined && ifMatch === `"${stored.version}"`;
      if (!ok) return new Response('{"code":"PreconditionFailed","message":"x"}', { status: 412 });
      stored = { version: (stored?.version ?? 0) + 1, blob: JSON.parse(String(init.body)).blob };
      return Response.json({ version: stored.version });
    };
    const client = new BackupClient({ baseUrl: 'http://dir.test/', getToken: async () => 'jwt', fetch: fetchFn });
    expect(await client.get()).toBeUndefined();
    expect(await client.put(blob)).toBe(1);
    await expect(client.put(blob)).rejects.toMatchObject({ code: ErrorCode.PreconditionFailed });
    expect(await client.put('b2', 1)).toBe(2);
    await expect(client.put('b3', 1)).rejects.toMatchObject({ code: ErrorCode.PreconditionFailed });
    expect(await client.get()).toEqual({ etag: 2, blob: 'b2' });
    expect(seen[1]!['authorization']).toBe('Virgil jwt');
  });
});
