/**
 * X3DH key agreement (Signal's "The X3DH Key Agreement Protocol", rev. 1), Curve25519 + SHA-256.
 *
 *   DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   DH4 = DH(EK_A, OPK_B)
 *   SK  = HKDF-SHA256(salt = 0^32, ikm = F || DH1 || DH2 || DH3 [|| DH4], info = X3DH_INFO, 32)
 *   with F = 32 bytes of 0xFF (curve25519 domain separation, spec §2.2).
 *   AD  = IK_A || IK_B || cardId_A || cardId_B (Ed25519 card keys and card ids, 128 bytes)
 *
 * IK is the device card's Ed25519 key, used for DH through its X25519 form (see identity.ts).
 * The initiator authenticates through DH1 and DH2; nothing here is signed by Alice, so the
 * exchange stays deniable. The responder's prekeys are authenticated by their card signatures,
 * checked by `verifyPrekeyBundle` before `x3dhInitiate` sees them.
 *
 * Example:
 * ```ts
 * const bundle = verifyPrekeyBundle(claimed, bobCardKey);              // Alice
 * const a = x3dhInitiate(alice, bundle);
 * // Alice sends a.baseKey.publicKey, a.signedPrekeyId, a.oneTimePrekeyId (in a session-start message)
 * const b = x3dhRespond(bob, { cardId: aliceCardId, signingPublicKey: aliceCardKey },   // Bob
 *   a.baseKey.publicKey, spkPrivate, opkPrivate);
 * // a.sharedSecret equals b.sharedSecret, a.associatedData equals b.associatedData
 * ```
 */
import { ErrorCode, fail } from '../errors';
import {
  X25519_KEY_LEN,
  assertBytes,
  concatBytes,
  hkdfSha256,
  utf8,
  wipe,
  x25519,
  x25519GenerateKeyPair,
  type KeyPair,
} from '../crypto/primitives';
import { fromHex } from '../ratchet/codec';
import {
  assertDeviceIdentity,
  assertRemoteDevice,
  identityDhPrivateKey,
  identityDhPublicKey,
  type DeviceIdentity,
  type RemoteDevice,
} from './identity';
import type { VerifiedBundle } from './prekeys';

/** HKDF info: names the protocol, the application and the version. */
export const X3DH_INFO = utf8('Overcrypt X3DH v1 (Curve25519, SHA-256)');
const F = new Uint8Array(32).fill(0xff);
const SALT = new Uint8Array(32);

export interface X3dhInitiation {
  /** SK: 32 bytes, the ratchet's first root key. Secret. */
  readonly sharedSecret: Uint8Array;
  readonly associatedData: Uint8Array;
  /** EK_A: the ephemeral "base key"; its public half identifies the session. */
  readonly baseKey: KeyPair;
  readonly signedPrekeyId: number;
  readonly signedPrekeyPublic: Uint8Array;
  readonly oneTimePrekeyId: number | null;
}

export interface X3dhResponse {
  readonly sharedSecret: Uint8Array;
  readonly associatedData: Uint8Array;
}

/** AD = IK_A || IK_B || cardId_A || cardId_B (initiator first). */
export function x3dhAssociatedData(initiator: RemoteDevice, responder: RemoteDevice): Uint8Array {
  return concatBytes(
    initiator.signingPublicKey,
    responder.signingPublicKey,
    fromHex(initiator.cardId, 32),
    fromHex(responder.cardId, 32),
  );
}

function kdf(dhs: Uint8Array[]): Uint8Array {
  const ikm = concatBytes(F, ...dhs);
  const sk = hkdfSha256(ikm, SALT, X3DH_INFO, 32);
  wipe(ikm);
  dhs.forEach(wipe);
  return sk;
}

/** Alice's side: derives SK against a verified bundle. `ephemeral` is for tests only. */
export function x3dhInitiate(self: DeviceIdentity, bundle: VerifiedBundle, ephemeral: KeyPair = x25519GenerateKeyPair()): X3dhInitiation {
  assertDeviceIdentity(self);
  const peer: RemoteDevice = { cardId: bundle.cardId, signingPublicKey: bundle.signingPublicKey };
  assertRemoteDevice(peer);
  if (peer.cardId === self.cardId) fail(ErrorCode.Malformed, 'cannot start a session with our own device');
  assertBytes(ephemeral.privateKey, 'ephemeral key', X25519_KEY_LEN);
  const ikA = identityDhPrivateKey(self);
  const ikB = identityDhPublicKey(peer.signingPublicKey);
  const spk = bundle.signedPrekey.publicKey;
  const dhs = [x25519(ikA, spk), x25519(ephemeral.privateKey, ikB), x25519(ephemeral.privateKey, spk)];
  if (bundle.oneTimePrekey) dhs.push(x25519(ephemeral.privateKey, bundle.oneTimePrekey.publicKey));
  wipe(ikA);
  return {
    sharedSecret: kdf(dhs),
    associatedData: x3dhAssociatedData({ cardId: self.cardId, signingPublicKey: self.signingPublicKey }, peer),
    baseKey: ephemeral,
    signedPrekeyId: bundle.signedPrekey.keyId,
    signedPrekeyPublic: spk,
    oneTimePrekeyId: bundle.oneTimePrekey?.keyId ?? null,
  };
}

/** Bob's side: derives the same SK from Alice's base key and his private prekeys. */
export function x3dhRespond(
  self: DeviceIdentity,
  peer: RemoteDevice,
  baseKey: Uint8Array,
  signedPrekeyPrivate: Uint8Array,
  oneTimePrekeyPrivate: Uint8Array | null,
): X3dhResponse {
  assertDeviceIdentity(self);
  assertRemoteDevice(peer);
  assertBytes(baseKey, 'base key', X25519_KEY_LEN);
  assertBytes(signedPrekeyPrivate, 'signed prekey', X25519_KEY_LEN);
  if (oneTimePrekeyPrivate !== null) assertBytes(oneTimePrekeyPrivate, 'one-time prekey', X25519_KEY_LEN);
  const ikB = identityDhPrivateKey(self);
  const ikA = identityDhPublicKey(peer.signingPublicKey);
  const dhs = [x25519(signedPrekeyPrivate, ikA), x25519(ikB, baseKey), x25519(signedPrekeyPrivate, baseKey)];
  if (oneTimePrekeyPrivate) dhs.push(x25519(oneTimePrekeyPrivate, baseKey));
  wipe(ikB);
  return {
    sharedSecret: kdf(dhs),
    associatedData: x3dhAssociatedData(peer, { cardId: self.cardId, signingPublicKey: self.signingPublicKey }),
  };
}
