/** Prekeys: signed upload, owner-only access, claims (each one-time key once, also under concurrency), limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { VirgilPrivateKey } from 'virgil-crypto';
import { DirectoryClient } from '../../lib/directory/client';
import { PrekeyKind, prekeySignedBytes, type Prekey, type PrekeyKind as Kind } from '../../lib/directory/wire';
import { startBackends, type TestDatabase } from './support/backends';
import { call, newUser, startTestDirectory, type TestDirectory, type TestUser } from './support/harness';

const backends = await startBackends();
afterAll(async () => {
  await backends.stop();
});

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
  return deviceOn(t, user);
}

/** Publishes a card for `user`; with `oneTime`, also uploads a signed prekey and one-time prekeys 1..oneTime. */
async function deviceOn(dir: TestDirectory, user: TestUser, oneTime?: number) {
  const keys = user.newKeys();
  const card = await user.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey });
  const d = { cardId: card.id, privateKey: keys.privateKey, publicKey: keys.publicKey };
  if (oneTime !== undefined) {
    const up = await call(dir.url, 'PUT', `/v1/cards/${d.cardId}/prekeys`, {
      token: user.token,
      body: {
        signedPrekey: makePrekey(PrekeyKind.Signed, d.cardId, 0, d.privateKey),
        oneTimePrekeys: Array.from({ length: oneTime }, (_, i) => makePrekey(PrekeyKind.OneTime, d.cardId, i + 1, d.privateKey)),
      },
    });
    if (up.status !== 200) throw new Error(`prekey upload: ${up.status} ${JSON.stringify(up.body)}`);
  }
  return d;
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

describe.each(backends.list)('claims for chosen devices over HTTP: $name', (backend) => {
  let dir: TestDirectory;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await backend.create();
    dir = await startTestDirectory({ repo: await db.connect(), config: { prekeys: { claimsPerMinute: 10_000 } } });
  });
  afterAll(async () => {
    await dir?.close();
    await db?.cleanup();
  });

  it('claims bundles only for the listed cards through DirectoryClient; the other devices keep their prekeys', async () => {
    const [erin, frank] = await Promise.all([newUser(dir, 'erin'), newUser(dir, 'frank')]);
    const [d1, d2, d3] = [await deviceOn(dir, erin, 3), await deviceOn(dir, erin, 3), await deviceOn(dir, erin, 3)];
    const sent: unknown[] = [];
    const client = new DirectoryClient({
      baseUrl: dir.url,
      fetch: (url, init) => {
        if (url.endsWith('/v1/prekeys/actions/claim')) sent.push(JSON.parse(init.body as string));
        return fetch(url, init);
      },
      clock: { now: () => Date.now() },
      credentials: async () => ({ identity: 'frank', password: frank.password }),
    });
    const count = async (cardId: string, owner = erin) =>
      (await call(dir.url, 'GET', `/v1/cards/${cardId}/prekeys/status`, { token: owner.token })).body.oneTimeCount as number;

    const one = await client.claimPrekeys('erin', [d3.cardId]);
    expect(one.bundles.map((b) => [b.cardId, b.identity, b.oneTimePrekey?.keyId])).toEqual([[d3.cardId, 'erin', 1]]);
    expect(verify(one.bundles[0]!.oneTimePrekey!, PrekeyKind.OneTime, d3.cardId, d3.publicKey)).toBe(true);
    expect([await count(d1.cardId), await count(d2.cardId), await count(d3.cardId)]).toEqual([3, 3, 2]);

    // Duplicates are dropped by the client; a revoked card and a foreign or unknown id are left out.
    await erin.cards.revokeCard(d2.cardId);
    const stranger = await deviceOn(dir, frank, 1);
    const some = await client.claimPrekeys('erin', [d1.cardId, d1.cardId, d2.cardId, stranger.cardId, 'c'.repeat(64)]);
    expect(some.bundles.map((b) => [b.cardId, b.oneTimePrekey?.keyId])).toEqual([[d1.cardId, 1]]);
    expect(sent.at(-1)).toEqual({ identity: 'erin', cardIds: [d1.cardId, d2.cardId, stranger.cardId, 'c'.repeat(64)] });
    expect([await count(d2.cardId), await count(stranger.cardId, frank)]).toEqual([3, 1]);

    // An empty list claims nothing and sends nothing.
    const before = sent.length;
    expect(await client.claimPrekeys('erin', [])).toEqual({ bundles: [] });
    expect(sent.length).toBe(before);

    // Without a list: every active device, as before (the request has no cardIds).
    const all = await client.claimPrekeys('erin');
    expect(sent.at(-1)).toEqual({ identity: 'erin' });
    expect(all.bundles.map((b) => [b.cardId, b.oneTimePrekey?.keyId]).sort()).toEqual([[d1.cardId, 2], [d3.cardId, 2]].sort());
  });

  it('refuses malformed card id lists with 400 and claims nothing', async () => {
    const [gus, hal] = await Promise.all([newUser(dir, 'gus'), newUser(dir, 'hal')]);
    const d = await deviceOn(dir, gus, 2);
    const claim = (cardIds: unknown) =>
      call(dir.url, 'POST', '/v1/prekeys/actions/claim', { token: hal.token, body: { identity: 'gus', cardIds } });
    for (const [name, cardIds] of [
      ['empty list', []],
      ['duplicates', [d.cardId, d.cardId]],
      ['upper-case id', [d.cardId.toUpperCase()]],
      ['short id', [d.cardId.slice(2)]],
      ['not a list', d.cardId],
      ['not strings', [1]],
      ['too many', Array.from({ length: 51 }, (_, i) => i.toString(16).padStart(64, '0'))],
    ] as const) {
      const r = await claim(cardIds);
      expect(r.status, name).toBe(400);
      expect(r.body.code, name).toBe('Malformed');
    }
    const status = await call(dir.url, 'GET', `/v1/cards/${d.cardId}/prekeys/status`, { token: gus.token });
    expect(status.body.oneTimeCount).toBe(2);
    expect((await claim([d.cardId])).body.bundles).toHaveLength(1);
  });
});
