/**
 * The ratchet's KDF chains against an independent computation with node:crypto, both for the
 * functions alone and end to end: a message produced by our code is opened with keys derived
 * only by node:crypto (X25519 via JWK, hkdfSync, createHmac, createDecipheriv).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { ensureCrypto } from '../../../lib/crypto/init';
import { utf8, x25519GenerateKeyPair } from '../../../lib/crypto/primitives';
import { MK_INFO, RK_INFO, kdfCk, kdfRk, messageKeyMaterial } from '../../../lib/ratchet/kdf';
import { initInitiatorState, ratchetEncrypt } from '../../../lib/ratchet/state';
import { toHex } from '../../../lib/ratchet/codec';

const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, n: number) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, n));
const hmac = (key: Uint8Array, data: number) => new Uint8Array(createHmac('sha256', key).update(Uint8Array.of(data)).digest());
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
function nodeX25519(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(priv), x: b64url(new Uint8Array(32)) }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(pub) }, format: 'jwk' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

beforeAll(async () => {
  await ensureCrypto();
});

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('KDF_RK / KDF_CK / message keys = node:crypto', () => {
  it('KDF_RK is HKDF(salt = rk, ikm = dh, info = RK_INFO) split 32/32', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (rk, dh) => {
        const ours = kdfRk(rk, dh);
        const ref = hkdf(dh, rk, RK_INFO, 64);
        expect(toHex(ours.rootKey) + toHex(ours.chainKey)).toBe(toHex(ref));
      }),
      { seed: 11, numRuns: 50 },
    );
  });
  it('KDF_CK is HMAC(ck, 0x02) -> next chain key, HMAC(ck, 0x01) -> message key, over a whole chain', () => {
    fc.assert(
      fc.property(bytes32, fc.integer({ min: 1, max: 40 }), (ck0, steps) => {
        let ours: Uint8Array = ck0;
        let ref: Uint8Array = ck0;
        for (let i = 0; i < steps; i++) {
          const next = kdfCk(ours);
          expect(toHex(next.messageKey)).toBe(toHex(hmac(ref, 0x01)));
          ours = next.chainKey;
          ref = hmac(ref, 0x02);
        }
        expect(toHex(ours)).toBe(toHex(ref));
      }),
      { seed: 12, numRuns: 30 },
    );
  });
  it('message key -> AES key and nonce is HKDF(salt = 0^32, info = MK_INFO, 44)', () => {
    fc.assert(
      fc.property(bytes32, (mk) => {
        const ours = messageKeyMaterial(mk);
        const ref = hkdf(mk, new Uint8Array(32), MK_INFO, 44);
        expect(toHex(ours.key) + toHex(ours.nonce)).toBe(toHex(ref));
      }),
      { seed: 13, numRuns: 50 },
    );
  });
});

describe('end to end with node:crypto', () => {
  it('the third message of the initiator chain opens with keys derived only by node:crypto', () => {
    const sk = new Uint8Array(32).fill(7);
    const bobSpk = x25519GenerateKeyPair();
    const aliceRatchet = x25519GenerateKeyPair();
    const ad = utf8('associated data (X3DH AD)');
    const binding = utf8('binding header');
    let state = initInitiatorState(sk, bobSpk.publicKey, aliceRatchet);
    let last: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 3; i++) {
      const out = ratchetEncrypt(state, utf8(`message ${i}`), ad, binding);
      state = out.state;
      last = out.message;
    }
    // node: root step, chain steps, message key, AES-GCM
    const rk = hkdf(nodeX25519(aliceRatchet.privateKey, bobSpk.publicKey), sk, RK_INFO, 64);
    let ck = rk.slice(32);
    for (let i = 0; i < 2; i++) ck = hmac(ck, 0x02);
    const mk = hmac(ck, 0x01);
    const km = hkdf(mk, new Uint8Array(32), MK_INFO, 44);
    const header = last.subarray(0, 41);
    expect(header[0]).toBe(0x11);
    expect(toHex(header.subarray(1, 33))).toBe(toHex(aliceRatchet.publicKey));
    expect(new DataView(header.buffer, header.byteOffset).getUint32(37)).toBe(2);
    const body = last.subarray(41);
    const d = createDecipheriv('aes-256-gcm', km.subarray(0, 32), km.subarray(32));
    d.setAAD(Buffer.concat([ad, header, binding]));
    d.setAuthTag(body.subarray(body.length - 16));
    const pt = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
    expect(pt.toString()).toBe('message 2');
  });
});
