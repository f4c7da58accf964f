/**
 * Account engine: register / restore / logout, devices, backups.
 *
 * The directory never sees the user's password: it gets lib/backup's `deriveLoginPassword(password, identity)`
 * (Argon2id, its own salt), which replaces the raw password the service stored as directory credentials.
 * The backup key is derived from the separate backup password inside the blob (lib/backup).
 */
import type { DeviceView } from '../api/views';
import { backupContentsFromKeys, changeBackupPassword, deriveLoginPassword, inspectBackup, keysFromBackupContents, openBackup, sealBackup } from '../backup';
import { isValidIdentity } from '../cards';
import { deviceFingerprint } from '../contacts';
import type { Credentials } from '../directory/client';
import { normaliseIdentity } from '../directory/wire';
import { ErrorCode, fail, isError } from '../errors';
import type { AccountEngine, AccountRecord, EngineEnv } from '../service/engines';
import { exportPrivateKeyBytes, exportPublicKeyBase64, generateDeviceKey, generateIdentityKey, importPrivateKeyBytes, type KeyPair } from './deps';
import { cardDirectory, contactStore, loadDevice, openDevice, saveDevice, type DeviceRecord } from './device';
import { upkeep } from './prekeys';

const CREDENTIALS_KEY = 'credentials';

function canonicalIdentity(identity: string): string {
  const id = normaliseIdentity(identity);
  if (id === null || !isValidIdentity(id)) fail(ErrorCode.Malformed, 'not a valid identity (printable ASCII, no spaces)');
  return id;
}

/** Replaces the stored directory credentials with the derived login password. */
async function signIn(env: EngineEnv, identity: string, password: string): Promise<string> {
  const loginPassword = await deriveLoginPassword(password, identity);
  await env.keystore.put('settings', CREDENTIALS_KEY, { identity, password: loginPassword } satisfies Credentials);
  env.directory.forgetSession();
  return loginPassword;
}

/** Publishes a device card cross-signed by `identityKey`, stores the device, pins our own identity, uploads prekeys. */
async function setUpDevice(
  env: EngineEnv,
  op: 'account/register' | 'account/restore',
  identity: string,
  identityKey: KeyPair,
  backupVersion: number,
  formerDevices: DeviceRecord['formerDevices'] = [],
): Promise<AccountRecord> {
  env.progress({ op, step: 'deviceCard', done: 0, total: 3 });
  const deviceKey = generateDeviceKey();
  const cards = await cardDirectory(env, true);
  const card = await cards.publishDeviceCard({ identity, deviceKey, identityKey });
  env.progress({ op, step: 'publish', done: 1, total: 3 });
  const now = env.clock.now();
  const record: DeviceRecord = {
    identity,
    identityPrivateKey: exportPrivateKeyBytes(identityKey.privateKey),
    devicePrivateKey: exportPrivateKeyBytes(deviceKey.privateKey),
    card: card.raw,
    cardId: card.id,
    createdAt: now,
    backupVersion,
    formerDevices,
  };
  await saveDevice(env, record);
  const identityKeyBase64 = exportPublicKeyBase64(identityKey.publicKey);
  const contacts = await contactStore(env);
  await contacts.pinOwnIdentity(identity, identityKeyBase64);
  await contacts.applyCardSet(identity, [card]);
  await upkeep(env, { fill: true, device: openDevice(record) });
  env.progress({ op, step: 'prekeys', done: 3, total: 3 });
  return { identity, deviceCardId: card.id, fingerprint: deviceFingerprint(identityKeyBase64), createdAt: now };
}

/**
 * Registering an existing account without its backup creates a NEW identity key. The old devices' cards are
 * cross-signed by a key this browser does not have; left active, contacts would see two identity keys for one
 * person forever (`keyChanged` that can never settle). So they are revoked: contacts see one key change, compare
 * the new safety number, accept it. (Restoring from the backup keeps the identity and revokes nothing.)
 */
async function retireOldIdentity(env: EngineEnv, identity: string): Promise<void> {
  const cards = await cardDirectory(env, true);
  const { cards: active, rejected } = await cards.search([identity]);
  const ids = [...active.map((c) => c.id), ...rejected.flatMap((r) => (r.identity === identity && r.cardId ? [r.cardId] : []))];
  for (const id of ids) await cards.revoke(id);
}

export const accountEngine: AccountEngine = {
  async register(env, input) {
    const identity = canonicalIdentity(input.identity);
    const loginPassword = await signIn(env, identity, input.password);
    let existed = false;
    try {
      await env.directory.createAccount({ identity, password: loginPassword, ...(input.invite ? { invite: input.invite } : {}) });
    } catch (e) {
      // Registering again (a new browser without a backup): the account exists; the login below proves it is ours.
      if (!isError(e, ErrorCode.Conflict)) throw e;
      existed = true;
    }
    await env.directory.sessionToken();
    env.progress({ op: 'account/register', step: 'identityKey', done: 0, total: 3 });
    const identityKey = generateIdentityKey();
    if (existed) await retireOldIdentity(env, identity);
    return setUpDevice(env, 'account/register', identity, identityKey, 0);
  },

  async restore(env, input) {
    const identity = canonicalIdentity(input.identity);
    await signIn(env, identity, input.password);
    env.progress({ op: 'account/restore', step: 'restore', done: 0, total: 3 });
    const stored = await env.directory.getBackup();
    if (!stored) fail(ErrorCode.NotFound, 'no backup exists for this account');
    const contents = await openBackup(stored.blob, input.backupPassword, { identity, lastSeenVersion: 0 });
    const keys = keysFromBackupContents(contents);
    const former = keys.devices.map((d) => ({ cardId: d.cardId, privateKey: exportPrivateKeyBytes(d.key.privateKey) }));
    return setUpDevice(env, 'account/restore', identity, keys.identityKey, inspectBackup(stored.blob).version, former);
  },

  async logout(env, input) {
    if (!input.revokeCard) return;
    const device = await loadDevice(env);
    await (await cardDirectory(env)).revoke(device.record.cardId);
  },

  async devices(env) {
    const device = await loadDevice(env);
    const found = await (await cardDirectory(env)).search([device.record.identity]);
    const contacts = await contactStore(env);
    await contacts.applyCardSet(device.record.identity, found.cards);
    const trusted = await contacts.trustedCards(device.record.identity);
    return trusted.map(
      (c): DeviceView => ({
        cardId: c.id,
        identity: c.identity,
        fingerprint: deviceFingerprint(c.publicKey),
        createdAt: c.createdAt,
        ...(c.id === device.record.cardId ? { thisDevice: true } : {}),
      }),
    );
  },

  async revokeDevice(env, cardId) {
    const own = await this.devices(env);
    if (!own.some((d) => d.cardId === cardId)) fail(ErrorCode.NotFound, 'not one of your devices');
    await (await cardDirectory(env)).revoke(cardId);
  },

  async backupStatus(env) {
    const stored = await env.directory.getBackup();
    return { exists: stored !== undefined, ...(stored ? { version: String(stored.version) } : {}), orgBackup: env.config().orgPublicKey !== undefined };
  },

  async backupCreate(env, backupPassword) {
    const device = await loadDevice(env);
    const stored = await env.directory.getBackup();
    const version = Math.max(device.record.backupVersion, stored ? inspectBackup(stored.blob).version : 0) + 1;
    env.progress({ op: 'account/register', step: 'backup', done: 0, total: 1 });
    const contents = backupContentsFromKeys(
      {
        identity: device.record.identity,
        identityKey: device.identityKey,
        devices: [
          { cardId: device.record.cardId, key: device.deviceKey },
          ...(device.record.formerDevices ?? []).map((d) => ({ cardId: d.cardId, key: importPrivateKeyBytes(d.privateKey) })),
        ],
      },
      env.clock.now(),
    );
    const blob = await sealBackup(contents, backupPassword, { version });
    await env.directory.putBackup(blob, stored ? stored.version : 'none');
    await saveDevice(env, { ...device.record, backupVersion: version });
    env.progress({ op: 'account/register', step: 'backup', done: 1, total: 1 });
  },

  async backupChangePassword(env, oldPassword, newPassword) {
    const device = await loadDevice(env);
    const stored = await env.directory.getBackup();
    if (!stored) fail(ErrorCode.NotFound, 'no backup exists');
    const next = await changeBackupPassword(stored.blob, oldPassword, newPassword, { identity: device.record.identity, lastSeenVersion: device.record.backupVersion });
    await env.directory.putBackup(next.blob, stored.version);
    await saveDevice(env, { ...device.record, backupVersion: next.version });
  },
};
