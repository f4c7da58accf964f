import { buildDeviceCard, exportPublicKeyBase64, generateDeviceKey, generateIdentityKey, parseDeviceCard, type DeviceCard, type KeyPair } from '../../../lib/cards';
import type { FakeDirectory } from '../cards/support/fake-directory';

export interface TestUser {
  identity: string;
  identityKey: KeyPair;
  identityKeyB64: string;
}

export function makeUser(identity: string): TestUser {
  const identityKey = generateIdentityKey();
  return { identity, identityKey, identityKeyB64: exportPublicKeyBase64(identityKey.publicKey) };
}

/** A device card as the directory would serve it (app-signed), without any HTTP. */
export function makeCard(
  dir: FakeDirectory,
  user: TestUser,
  opts: { deviceKey?: KeyPair; previous?: { cardId: string; privateKey: KeyPair['privateKey'] }; identityKey?: KeyPair } = {},
): { card: DeviceCard; deviceKey: KeyPair } {
  const deviceKey = opts.deviceKey ?? generateDeviceKey();
  const model = buildDeviceCard({ identity: user.identity, deviceKey, identityKey: opts.identityKey ?? user.identityKey, ...(opts.previous ? { previous: opts.previous } : {}) });
  return { card: parseDeviceCard(dir.appSign(model).toJson()), deviceKey };
}
