/** Prekeys: signed upload, owner-only access, claims (each one-time key once, also under concurrency), limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { VirgilPrivateKey } from 'virgil-crypto';
import { PrekeyKind, prekeySignedBytes, type Prekey, type PrekeyKind as Kind } from '../../lib/directory/wire';
import { call, newUser, startTestDirectory, type TestDirectory, type TestUser } from './support/harness';

let t: TestDirectory;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await startTestDirectory({ config: { prekeys: { claimsPerMinute: 10_000 } } });
  [alice, bob] = await Promise.all([newUser(t, 'alice'), newUser(t, 'bob')]);
});
afterAll(async () => {
  await t?.close();
});

function makePrekey(kind: Kind, cardId: string, keyId: number, key: VirgilPrivateKey, createdAt = Date.now()): Prekey {
  const publicKey = randomBytes(32);
  const signature = t.crypto.calculateSignature(prekeySignedBytes(kind, cardId, keyId, createdAt, publicKey), key);
  return { keyId, publicKey: publicKey.toString('base64'), createdAt, signature: signature.toString('base64') };
}

async function device(user: TestUser) {
  const keys = user.newKeys();
  const card = await user.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey });
  return { cardId: card.id, privateKey: keys.privateKey, publicKey: keys.publicKey };
}

function verify(p: Prekey, kind: Kind, cardId: string, publicKey: Parameters<typeof t.crypto.verifySignature>[2]): boolean {
  const bytes = prekeySignedBytes(kind, cardId, p.keyId, p.createdAt, Buffer.from(p.publicKey, 'base64'));
  return t.crypto.verifySignature(bytes, Buffer.from(p.signature, 'base64'), publicKey);
}

describe('prekeys', () => {
  it('uploads, reports status, and hands each one-time key out once; then the signed prekey alone', async () => {
    const d = await device(alice);
    const signed = makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey);
    const oneTime = [10, 11, 12].map((id) => makePrekey(PrekeyKind.OneTime, d.cardId, id, d.privateKey));
    const up = await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: alice.token, body: { signedPrekey: signed, oneTimePrekeys: oneTime } });
    expect(up).toMatchObject({ status: 200, body: { oneTimeCount: 3 } });
    const status = await call(t.url, 'GET', `/v1/cards/${d.cardId}/prekeys/status`, { token: alice.token });
    expect(status.body).toEqual({ oneTimeCount: 3, signedPrekey: { keyId: 1, createdAt: signed.createdAt } });

    const handed: number[] = [];
    for (let i = 0; i < 4; i++) {
      const claim = await call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: bob.token, body: { identity: 'alice' } });
      expect(claim.status).toBe(200);
      const bundle = claim.body.bundles.find((b: { cardId: string }) => b.cardId === d.cardId);
      expect(bundle.identity).toBe('alice');
      expect(bundle.signedPrekey).toEqual(signed);
      expect(verify(bundle.signedPrekey, PrekeyKind.Signed, d.cardId, d.publicKey)).toBe(true);
      if (bundle.oneTimePrekey) {
        expect(verify(bundle.oneTimePrekey, PrekeyKind.OneTime, d.cardId, d.publicKey)).toBe(true);
        handed.push(bundle.oneTimePrekey.keyId);
      } else {
        handed.push(-1);
      }
    }
    expect(handed).toEqual([10, 11, 12, -1]);
    expect((await call(t.url, 'GET', `/v1/cards/${d.cardId}/prekeys/status`, { token: alice.token })).body.oneTimeCount).toBe(0);
    // Re-uploading an already handed-out key id does not bring it back.
    const again = await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: alice.token, body: { oneTimePrekeys: [oneTime[0]] } });
    expect(again.body.oneTimeCount).toBe(0);
  });

  it('returns one bundle per active card that has a signed prekey', async () => {
    const carol = await newUser(t, 'carol');
    const [d1, d2, d3] = [await device(carol), await device(carol), await device(carol)];
    for (const d of [d1, d2]) {
      await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: carol.token, body: { signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey) } });
    }
    void d3; // no signed prekey: not claimable
    const claim = await call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: bob.token, body: { identity: 'carol' } });
    expect(claim.body.bundles.map((b: { cardId: string }) => b.cardId).sort()).toEqual([d1.cardId, d2.cardId].sort());
    expect(claim.body.bundles.every((b: { oneTimePrekey: unknown }) => b.oneTimePrekey === null)).toBe(true);
    await carol.cards.revokeCard(d1.cardId);
    const after = await call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: bob.token, body: { identity: 'carol' } });
    expect(after.body.bundles.map((b: { cardId: string }) => b.cardId)).toEqual([d2.cardId]);
    const nobody = await call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: bob.token, body: { identity: 'nobody' } });
    expect(nobody.body).toEqual({ bundles: [] });
  });

  it('never hands out a one-time prekey twice under many concurrent claims', async () => {
    const dave = await newUser(t, 'dave');
    const d = await device(dave);
    const keys = Array.from({ length: 150 }, (_, i) => makePrekey(PrekeyKind.OneTime, d.cardId, i, d.privateKey));
    await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: dave.token, body: { signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey), oneTimePrekeys: keys } });
    const claimers = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((n) => newUser(t, `claimer-${n}`)));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: claimers[i % claimers.length]!.token, body: { identity: 'dave' } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const ids = results.map((r) => r.body.bundles[0].oneTimePrekey?.keyId).filter((k) => k !== undefined);
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    expect(results.filter((r) => r.body.bundles[0].oneTimePrekey === null)).toHaveLength(50);
  });

  it('verifies signatures and refuses stale, future, rolled-back or foreign-card prekeys', async () => {
    const d = await device(alice);
    const other = await device(alice);
    const put = (body: unknown, token = alice.token, cardId = d.cardId) =>
      call(t.url, 'PUT', `/v1/cards/${cardId}/prekeys`, { token, body });
    const day = 86_400_000;
    // Signed with another card's key, or bound to another card id.
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, other.privateKey) })).body.code).toBe('BadSignature');
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, other.cardId, 1, d.privateKey) })).status).toBe(400);
    // A one-time signature does not pass as a signed prekey.
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.OneTime, d.cardId, 1, d.privateKey) })).body.code).toBe('BadSignature');
    // Tampered public key.
    const tampered = { ...makePrekey(PrekeyKind.OneTime, d.cardId, 5, d.privateKey), publicKey: randomBytes(32).toString('base64') };
    expect((await put({ oneTimePrekeys: [tampered] })).body.code).toBe('BadSignature');
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey, Date.now() - 31 * day) })).body.code).toBe('StalePrekey');
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey, Date.now() + day) })).body.code).toBe('StalePrekey');
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 2, d.privateKey) })).status).toBe(200);
    expect((await put({ signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 3, d.privateKey, Date.now() - day) })).body.code).toBe('StalePrekey');
    // Shapes.
    const wrongLength = { ...makePrekey(PrekeyKind.OneTime, d.cardId, 6, d.privateKey), publicKey: randomBytes(31).toString('base64') };
    expect((await put({ oneTimePrekeys: [wrongLength] })).status).toBe(400);
    expect((await put({ oneTimePrekeys: [{ keyId: -1, publicKey: 'AAAA', createdAt: 1, signature: 'AAAA' }] })).status).toBe(400);
    expect((await put({})).status).toBe(400);
    const dup = makePrekey(PrekeyKind.OneTime, d.cardId, 7, d.privateKey);
    expect((await put({ oneTimePrekeys: [dup, dup] })).status).toBe(400);
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ keyId: i, publicKey: 'AAAA', createdAt: 1, signature: 'AAAA' }));
    expect((await put({ oneTimePrekeys: tooMany })).status).toBe(400);
  });

  it('lets only the card owner upload or read prekey status', async () => {
    const d = await device(alice);
    const body = { signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 1, d.privateKey) };
    const asBob = await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: bob.token, body });
    expect(asBob).toMatchObject({ status: 403, body: { code: 'Forbidden' } });
    expect((await call(t.url, 'GET', `/v1/cards/${d.cardId}/prekeys/status`, { token: bob.token })).status).toBe(403);
    expect((await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { body })).status).toBe(401);
    expect((await call(t.url, 'PUT', `/v1/cards/${'b'.repeat(64)}/prekeys`, { token: alice.token, body })).status).toBe(404);
    await alice.cards.revokeCard(d.cardId);
    expect((await call(t.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, { token: alice.token, body })).status).toBe(409);
  });

  it('rate-limits claims per claimer', async () => {
    const local = await startTestDirectory({ config: { prekeys: { claimsPerMinute: 3 } } });
    try {
      const [x, y] = await Promise.all([newUser(local, 'x'), newUser(local, 'y')]);
      const claim = (u: TestUser) => call(local.url, 'POST', '/v1/prekeys/actions/claim', { token: u.token, body: { identity: 'z' } });
      for (let i = 0; i < 3; i++) expect((await claim(x)).status).toBe(200);
      expect(await claim(x)).toMatchObject({ status: 429, body: { code: 'RateLimited' } });
      expect((await claim(y)).status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
