/**
 * This device's long-lived state and the clients built from it, for every engine.
 *
 * - `DeviceRecord` (sealed store `deviceKeys`, key "device"): identity private key, device private key, the
 *   published card (raw JSON), the backup version this device last saw. Only engines read it; nothing here
 *   returns a private key to the service.
 * - The app key is pinned: from config/managed policy when it pins one, else the key stored at first run
 *   (TOFU: `GET /v1/app` once, at register/restore, then never again — a directory cannot swap it later).
 * - Contacts live in the sealed `contacts` store under blinded record keys (`KeystoreStorage`).
 */
import { CardDirectory, deviceIdentity, exportPublicKeyBase64, importPrivateKeyBytes, parseDeviceCard, type DeviceCard, type KeyPair, type RawCardJson } from './deps';
import { ContactStore, type AsyncStorage } from '../contacts';
import { normaliseIdentity } from '../directory/wire';
import { ErrorCode, OvercryptError, fail } from '../errors';
import type { EngineEnv } from '../service/engines';
import type { DeviceIdentity } from '../x3dh';

export interface DeviceRecord {
  identity: string;
  identityPrivateKey: Uint8Array;
  devicePrivateKey: Uint8Array;
  card: RawCardJson;
  cardId: string;
  createdAt: number;
  /** Highest backup version this device uploaded or opened (anti-rollback). */
  backupVersion: number;
  /**
   * Device keys of earlier devices of this identity, from the backup this device was restored from: card-mode
   * messages addressed to them still open here, and the next backup carries them on.
   */
  formerDevices?: { cardId: string; privateKey: Uint8Array }[];
}

export interface Device {
  record: DeviceRecord;
  identityKey: KeyPair;
  deviceKey: KeyPair;
  card: DeviceCard;
  /** X3DH / ratchet view of the device key. */
  self: DeviceIdentity;
  identityKeyBase64: string;
}

const DEVICE_KEY = 'device';
const APP_KEY_PIN = 'appKeyPin';

export async function saveDevice(env: EngineEnv, record: DeviceRecord): Promise<void> {
  await env.keystore.put('deviceKeys', DEVICE_KEY, record);
}

export async function loadDevice(env: EngineEnv): Promise<Device> {
  const record = await env.keystore.get<DeviceRecord>('deviceKeys', DEVICE_KEY);
  if (!record) fail(ErrorCode.NotRegistered, 'no device keys on this browser');
  return openDevice(record);
}

export function openDevice(record: DeviceRecord): Device {
  const identityKey = importPrivateKeyBytes(record.identityPrivateKey);
  const deviceKey = importPrivateKeyBytes(record.devicePrivateKey);
  return {
    record,
    identityKey,
    deviceKey,
    card: parseDeviceCard(record.card),
    self: deviceIdentity(record.cardId, deviceKey.privateKey),
    identityKeyBase64: exportPublicKeyBase64(identityKey.publicKey),
  };
}

/** The pinned app key: policy's, else the first-run pin; `firstRun` may fetch and pin it (TOFU). */
export async function appPublicKey(env: EngineEnv, firstRun = false): Promise<string> {
  const fromPolicy = env.config().appPublicKey;
  if (fromPolicy) return fromPolicy;
  const pinned = await env.keystore.get<{ appPublicKey: string }>('settings', APP_KEY_PIN);
  if (pinned) return pinned.appPublicKey;
  if (!firstRun) fail(ErrorCode.Internal, 'no pinned app key: register again');
  const app = await env.directory.app();
  if (typeof app?.appPublicKey !== 'string' || app.appPublicKey.length === 0) fail(ErrorCode.Malformed, 'directory sent no app key');
  await env.keystore.put('settings', APP_KEY_PIN, { appPublicKey: app.appPublicKey });
  return app.appPublicKey;
}

export async function cardDirectory(env: EngineEnv, firstRun = false): Promise<CardDirectory> {
  return new CardDirectory({
    apiUrl: env.config().directoryUrl.replace(/\/+$/, ''),
    appPublicKey: await appPublicKey(env, firstRun),
    getToken: async (forceReload) => {
      if (forceReload) env.directory.forgetSession();
      return env.directory.sessionToken();
    },
  });
}

export async function contactStore(env: EngineEnv): Promise<ContactStore> {
  return new ContactStore(new KeystoreStorage(env), { appPublicKey: await appPublicKey(env) }, () => env.clock.now());
}

/** `handle@namespace`, canonical (the directory's normaliseIdentity); Malformed if it cannot be an identity. */
export function identityOf(handle: string, namespace: string): string {
  const id = normaliseIdentity(`${handle}@${namespace}`);
  if (id === null) throw new OvercryptError(ErrorCode.Malformed, 'not a valid identity');
  return id;
}

/**
 * AsyncStorage over the sealed `contacts` store. The record key is `blindKey('contacts\0' + name)`, so the
 * database does not list contacts' identities; the name travels inside the sealed value for `keys(prefix)`.
 */
export class KeystoreStorage implements AsyncStorage {
  constructor(private readonly env: EngineEnv) {}

  private key(name: string): Promise<string> {
    return this.env.blindKey(`contacts\0${name}`);
  }
  async get<T>(name: string): Promise<T | undefined> {
    return (await this.env.keystore.get<{ name: string; value: T }>('contacts', await this.key(name)))?.value;
  }
  async set<T>(name: string, value: T): Promise<void> {
    await this.env.keystore.put('contacts', await this.key(name), { name, value });
  }
  async delete(name: string): Promise<void> {
    await this.env.keystore.delete('contacts', await this.key(name));
  }
  async keys(prefix: string): Promise<string[]> {
    const all = await this.env.keystore.all<{ name: string }>('contacts');
    return all.map((r) => r.value.name).filter((n) => typeof n === 'string' && n.startsWith(prefix));
  }
}
