import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto } from '../../../lib/crypto/init';
import { computeSafetyNumber, fingerprint, matchesScannedCode } from '../../../lib/contacts';
import { rawPublicKey } from '../../../lib/cards';
import { makeUser } from './support';

beforeAll(async () => {
  await ensureCrypto();
});

/** Independent computation with node:crypto, straight from the documented formula. */
function referenceDigits(identity: string, keyB64: string, iterations: number): string {
  const key = Buffer.from(rawPublicKey(keyB64));
  let h = createHash('sha512').update(Buffer.concat([Buffer.from([0, 0]), key, Buffer.from(identity)])).digest();
  for (let i = 0; i < iterations; i++) h = createHash('sha512').update(Buffer.concat([h, key])).digest();
  let out = '';
  for (let c = 0; c < 6; c++) out += String(h.readUIntBE(c * 5, 5) % 100000).padStart(5, '0');
  return out;
}

describe('safety number', () => {
  it('matches an independent node:crypto computation of the documented derivation', () => {
    const alice = makeUser('alice');
    const bob = makeUser('bob');
    const sn = computeSafetyNumber({ identity: 'alice', identityKey: alice.identityKeyB64 }, { identity: 'bob', identityKey: bob.identityKeyB64 });
    const a = referenceDigits('alice', alice.identityKeyB64, 5200);
    const b = referenceDigits('bob', bob.identityKeyB64, 5200);
    expect(sn.digits).toBe(a < b ? a + b : b + a);
    expect(sn.digits).toMatch(/^\d{60}$/);
    expect(sn.groups).toHaveLength(12);
  });

  it('is the same on both sides and differs when either key changes', () => {
    fc.assert(
      fc.property(fc.constantFrom('alice', 'bob', 'carol@example.org'), fc.constantFrom('dave', 'erin'), (x, y) => {
        const p = { identity: x, identityKey: makeUser(x).identityKeyB64 };
        const q = { identity: y, identityKey: makeUser(y).identityKeyB64 };
        const mine = computeSafetyNumber(p, q, 50).digits;
        expect(computeSafetyNumber(q, p, 50).digits).toBe(mine);
        expect(computeSafetyNumber(p, { ...q, identityKey: makeUser(y).identityKeyB64 }, 50).digits).not.toBe(mine);
      }),
      { numRuns: 10 },
    );
  });

  it('binds the identity name too', () => {
    const k = makeUser('x').identityKeyB64;
    expect(fingerprint({ identity: 'alice', identityKey: k }, 10)).not.toEqual(fingerprint({ identity: 'alicf', identityKey: k }, 10));
  });

  it('QR code: the other side scanning it matches; a code from other keys or the same side does not', () => {
    const alice = { identity: 'alice', identityKey: makeUser('alice').identityKeyB64 };
    const bob = { identity: 'bob', identityKey: makeUser('bob').identityKeyB64 };
    const aliceCode = computeSafetyNumber(alice, bob).qrPayload;
    expect(aliceCode.length).toBeLessThan(100);
    expect(matchesScannedCode(aliceCode, bob, alice)).toBe(true);
    expect(matchesScannedCode(aliceCode, alice, bob)).toBe(false);
    const mallory = { identity: 'bob', identityKey: makeUser('bob').identityKeyB64 };
    expect(matchesScannedCode(computeSafetyNumber(alice, mallory).qrPayload, bob, alice)).toBe(false);
    for (const junk of ['', 'OCSN1:', 'OCSN1:!!!', 'OCSN1:' + 'A'.repeat(88), 'hello']) expect(matchesScannedCode(junk, bob, alice)).toBe(false);
  });
});
