/**
 * Backup against the real directory: the account is created with the derived login
 * password (the directory never sees the backup secret), the sealed blob is uploaded with
 * If-None-Match, and a "new device" logs in, downloads and restores the keys.
 */
import { describe, expect, it } from 'vitest';
import { exportPrivateKeyBytes, generateDeviceKey, generateIdentityKey } from '../../../lib/cards';
import { BackupClient, backupContentsFromKeys, deriveLoginPassword, inspectBackup, keysFromBackupContents, openBackup, sealBackup } from '../../../lib/backup';
import { ErrorCode } from '../../../lib/errors';
import { call } from '../../server/support/harness';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

async function login(identity: string, loginPassword: string): Promise<string> {
  const r = await call(t.url, 'POST', '/v1/session', { body: { identity, password: loginPassword } });
  expect(r.status).toBe(200);
  return r.body.token as string;
}

describe('backup through the directory', () => {
  it('uploads from one device and restores on another; the directory only ever sees the login password', async () => {
    const password = 'a long backup and login passphrase';
    const loginPassword = await deriveLoginPassword(password, 'erin-bk');
    expect((await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'erin-bk', password: loginPassword } })).status).toBe(201);
    // The raw password is not the login secret.
    expect((await call(t.url, 'POST', '/v1/session', { body: { identity: 'erin-bk', password } })).status).toBe(401);

    const keys = { identity: 'erin-bk', identityKey: generateIdentityKey(), devices: [{ cardId: 'e'.repeat(64), key: generateDeviceKey() }] };
    const blob = await sealBackup(backupContentsFromKeys(keys, Date.now()), password, { version: 1 });
    expect(blob).not.toContain(loginPassword);
    const first = new BackupClient({ baseUrl: t.url, getToken: () => login('erin-bk', loginPassword) });
    const etag = await first.put(blob);
    await expect(first.put(blob)).rejects.toMatchObject({ code: ErrorCode.PreconditionFailed });

    // New device: derives the same login password from the typed password, logs in, restores.
    const second = new BackupClient({ baseUrl: t.url, getToken: async () => login('erin-bk', await deriveLoginPassword(password, 'erin-bk')) });
    const stored = await second.get();
    expect(stored?.etag).toBe(etag);
    const contents = await openBackup(stored!.blob, password, { identity: 'erin-bk', lastSeenVersion: 0 });
    const restored = keysFromBackupContents(contents);
    expect(exportPrivateKeyBytes(restored.identityKey.privateKey)).toEqual(exportPrivateKeyBytes(keys.identityKey.privateKey));
    expect(inspectBackup(stored!.blob).version).toBe(1);
  }, 60_000);
});
