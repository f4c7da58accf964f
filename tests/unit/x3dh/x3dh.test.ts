/**
 * X3DH: virgil-compatible prekey signatures, bundle verification, agreement on both sides, and
 * SK recomputed independently with node:crypto (X25519 via JWK keys, hkdfSync).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import {
  ed25519PrivateKeyToX25519,
  ed25519PublicKeyToX25519,
  randomBytes,
  x25519GenerateKeyPair,
} from '../../../lib/crypto/primitives';
import { PrekeyKind, prekeySignedBytes, type PrekeyBundle } from '../../../lib/directory/wire';
import { ErrorCode, isError } from '../../../lib/errors';
import { fromBase64, toBase64, toHex } from '../../../lib/ratchet/codec';
import {
  X3DH_INFO,
  deviceIdentityFromVirgil,
  generateSignedPrekey,
  rawPublicKeyFromVirgil,
  verifyPrekeyBundle,
  virgilSign,
  virgilVerify,
  x3dhInitiate,
  x3dhRespond,
} from '../../../lib/x3dh';
import { newDevice, publish } from './devices';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isError(e) ? e.code : `non-Overcrypt: ${String(e)}`;
  }
};

beforeAll(async () => {
  await ensureCrypto();
});

describe('virgil-compatible prekey signatures', () => {
  it('virgilSign equals calculateSignature, and each side verifies the other', () => {
    const vc = virgil();
    const keys = vc.generateKeys();
    const me = deviceIdentityFromVirgil(toHex(randomBytes(32)), keys.privateKey);
    expect(toHex(me.signingPublicKey)).toBe(toHex(rawPublicKeyFromVirgil(keys.publicKey)));
    const data = randomBytes(150);
    const ours = virgilSign(me.signingPrivateKey, data);
    const theirs = new Uint8Array(vc.calculateSignature(data, keys.privateKey));
    expect(toHex(ours)).toBe(toHex(theirs));
    expect(vc.verifySignature(data, ours, keys.publicKey)).toBe(true);
    expect(virgilVerify(me.signingPublicKey, data, theirs)).toBe(true);
    const other = vc.generateKeys();
    expect(virgilVerify(rawPublicKeyFromVirgil(other.publicKey), data, theirs)).toBe(false);
    const bad = ours.slice();
    bad[bad.length - 1]! ^= 1;
    expect(virgilVerify(me.signingPublicKey, data, bad)).toBe(false);
    expect(virgilVerify(me.signingPublicKey, data, ours.subarray(19))).toBe(false);
  });

  it('prekey signatures cover prekeySignedBytes exactly (what the directory checks)', () => {
    const vc = virgil();
    const keys = vc.generateKeys();
    const me = deviceIdentityFromVirgil(toHex(randomBytes(32)), keys.privateKey);
    const { wire } = generateSignedPrekey(me, 7, 1_700_000_000_000);
    const bytes = prekeySignedBytes(PrekeyKind.Signed, me.cardId, 7, 1_700_000_000_000, fromBase64(wire.publicKey));
    expect(vc.verifySignature(bytes, fromBase64(wire.signature), keys.publicKey)).toBe(true);
  });
});

describe('bundle verification', () => {
  it('accepts a published bundle and refuses tampered ones with BadSignature', async () => {
    const bob = newDevice();
    const [bundle] = await publish(bob, 1);
    const ok = verifyPrekeyBundle(bundle!, bob.identity.signingPublicKey);
    expect(ok.oneTimePrekey).not.toBeNull();

    const mutate = (f: (b: PrekeyBundle) => PrekeyBundle) => codeOf(() => verifyPrekeyBundle(f(structuredClone(bundle!)), bob.identity.signingPublicKey));
    // another key in place of the signed prekey
    expect(mutate((b) => ({ ...b, signedPrekey: { ...b.signedPrekey, publicKey: toBase64(x25519GenerateKeyPair().publicKey) } }))).toBe(ErrorCode.BadSignature);
    // a one-time prekey presented as the signed prekey (kind is signed over)
    expect(mutate((b) => ({ ...b, signedPrekey: b.oneTimePrekey! }))).toBe(ErrorCode.BadSignature);
    // moved to another card
    expect(mutate((b) => ({ ...b, cardId: toHex(randomBytes(32)) }))).toBe(ErrorCode.BadSignature);
    // other id / time
    expect(mutate((b) => ({ ...b, signedPrekey: { ...b.signedPrekey, keyId: b.signedPrekey.keyId + 1 } }))).toBe(ErrorCode.BadSignature);
    expect(mutate((b) => ({ ...b, oneTimePrekey: { ...b.oneTimePrekey!, createdAt: b.oneTimePrekey!.createdAt + 1 } }))).toBe(ErrorCode.BadSignature);
    // junk
    expect(mutate((b) => ({ ...b, signedPrekey: { ...b.signedPrekey, publicKey: 'AAAA' } }))).toBe(ErrorCode.Malformed);
    expect(mutate((b) => ({ ...b, cardId: 'xyz' }))).toBe(ErrorCode.Malformed);
    // a bundle checked against another card's key
    expect(codeOf(() => verifyPrekeyBundle(bundle!, newDevice().identity.signingPublicKey))).toBe(ErrorCode.BadSignature);
  });
});

// ---- independent X3DH with node:crypto ----
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
function nodeX25519(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const x = b64url(new Uint8Array(32)); // JWK needs an x; node derives the real one from d
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(priv), x }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(pub) }, format: 'jwk' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

describe('X3DH agreement', () => {
  for (const withOneTime of [true, false]) {
    it(`initiator and responder derive the same SK and AD (${withOneTime ? 'with' : 'without'} one-time prekey), matching node:crypto`, async () => {
      const alice = newDevice();
      const bob = newDevice();
      const [bundle] = await publish(bob, withOneTime ? 1 : 0);
      const verified = verifyPrekeyBundle(bundle!, bob.identity.signingPublicKey);
      const eph = x25519GenerateKeyPair();
      const a = x3dhInitiate(alice.identity, verified, eph);
      const spk = await bob.prekeys.get('signed', verified.signedPrekey.keyId);
      const opk = withOneTime ? await bob.prekeys.get('oneTime', verified.oneTimePrekey!.keyId) : undefined;
      const b = x3dhRespond(bob.identity, alice.remote, eph.publicKey, spk!.privateKey, opk?.privateKey ?? null);
      expect(toHex(a.sharedSecret)).toBe(toHex(b.sharedSecret));
      expect(toHex(a.associatedData)).toBe(toHex(b.associatedData));
      expect(a.oneTimePrekeyId).toBe(withOneTime ? verified.oneTimePrekey!.keyId : null);

      // Independent recomputation: DH1..DH4 with node's X25519, KDF with hkdfSync.
      const ikA = ed25519PrivateKeyToX25519(alice.identity.signingPrivateKey);
      const ikB = ed25519PublicKeyToX25519(bob.identity.signingPublicKey);
      const dhs = [
        nodeX25519(ikA, verified.signedPrekey.publicKey),
        nodeX25519(eph.privateKey, ikB),
        nodeX25519(eph.privateKey, verified.signedPrekey.publicKey),
        ...(withOneTime ? [nodeX25519(eph.privateKey, verified.oneTimePrekey!.publicKey)] : []),
      ];
      const ikm = Buffer.concat([Buffer.alloc(32, 0xff), ...dhs]);
      const sk = new Uint8Array(hkdfSync('sha256', ikm, Buffer.alloc(32), X3DH_INFO, 32));
      expect(toHex(a.sharedSecret)).toBe(toHex(sk));
      expect(toHex(a.associatedData)).toBe(
        toHex(alice.identity.signingPublicKey) + toHex(bob.identity.signingPublicKey) + alice.identity.cardId + bob.identity.cardId,
      );
    });
  }

  it('a responder with the wrong idea of the initiator (another card key) derives another SK', async () => {
    const alice = newDevice();
    const mallory = newDevice();
    const bob = newDevice();
    const [bundle] = await publish(bob, 0);
    const verified = verifyPrekeyBundle(bundle!, bob.identity.signingPublicKey);
    const a = x3dhInitiate(mallory.identity, verified);
    const spk = await bob.prekeys.get('signed', verified.signedPrekey.keyId);
    const b = x3dhRespond(bob.identity, alice.remote, a.baseKey.publicKey, spk!.privateKey, null);
    expect(toHex(a.sharedSecret)).not.toBe(toHex(b.sharedSecret));
  });

  it('refuses a session with our own device and malformed identities', async () => {
    const alice = newDevice();
    const [bundle] = await publish(alice, 0);
    const verified = verifyPrekeyBundle(bundle!, alice.identity.signingPublicKey);
    expect(codeOf(() => x3dhInitiate(alice.identity, verified))).toBe(ErrorCode.Malformed);
    const bob = newDevice();
    const mismatched = { ...bob.identity, signingPublicKey: alice.identity.signingPublicKey };
    expect(codeOf(() => x3dhInitiate(mismatched, verified))).toBe(ErrorCode.Malformed);
  });
});
