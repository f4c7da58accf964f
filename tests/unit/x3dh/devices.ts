/** Test devices: random Ed25519 card keys and card ids, prekey stores, published bundles. */
import type { PrekeyBundle } from '../../../lib/directory/wire';
import { ed25519GenerateKeyPair, randomBytes } from '../../../lib/crypto/primitives';
import { toHex } from '../../../lib/ratchet/codec';
import type { DeviceIdentity, RemoteDevice } from '../../../lib/x3dh/identity';
import { MemoryPrekeyStore, generateOneTimePrekeys, generateSignedPrekey, verifyPrekeyBundle, type VerifiedBundle } from '../../../lib/x3dh/prekeys';

export interface TestDevice {
  identity: DeviceIdentity;
  remote: RemoteDevice;
  prekeys: MemoryPrekeyStore;
  /** Bundles this device published, one per claim (each with its own one-time prekey). */
  bundles: PrekeyBundle[];
}

export function newDevice(name = 'user'): TestDevice {
  const kp = ed25519GenerateKeyPair();
  const identity: DeviceIdentity = { cardId: toHex(randomBytes(32)), signingPublicKey: kp.publicKey, signingPrivateKey: kp.privateKey };
  void name;
  return { identity, remote: { cardId: identity.cardId, signingPublicKey: kp.publicKey }, prekeys: new MemoryPrekeyStore(), bundles: [] };
}

/** Publishes a signed prekey and `oneTime` one-time prekeys; returns a bundle per one-time key (or one without). */
export async function publish(device: TestDevice, oneTime: number, now = Date.now()): Promise<PrekeyBundle[]> {
  const spk = generateSignedPrekey(device.identity, await device.prekeys.takeKeyIds(1), now);
  const otks = generateOneTimePrekeys(device.identity, await device.prekeys.takeKeyIds(Math.max(oneTime, 1)), oneTime, now);
  await device.prekeys.put([spk.stored, ...otks.stored]);
  const bundles: PrekeyBundle[] =
    oneTime === 0
      ? [{ cardId: device.identity.cardId, identity: 'user', signedPrekey: spk.wire, oneTimePrekey: null }]
      : otks.wire.map((o) => ({ cardId: device.identity.cardId, identity: 'user', signedPrekey: spk.wire, oneTimePrekey: o }));
  device.bundles.push(...bundles);
  return bundles;
}

/** Claims (and verifies) the next bundle of `device`, as a directory would hand it out once. */
export function claim(device: TestDevice): VerifiedBundle {
  const bundle = device.bundles.shift();
  if (!bundle) throw new Error('no bundle left');
  return verifyPrekeyBundle(bundle, device.identity.signingPublicKey);
}
