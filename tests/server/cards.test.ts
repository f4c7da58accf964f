/**
 * Cards v5 through the real virgil-sdk CardManager (VirgilCardVerifier requires our `app`
 * signature and not Virgil's), plus the publish checks and raw wire details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSigner, RawSignedModel } from 'virgil-sdk';
import { VirgilCardCrypto, type VirgilPublicKey } from 'virgil-crypto';
import { call, newUser, startTestDirectory, type TestDirectory, type TestUser } from './support/harness';

let t: TestDirectory;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await startTestDirectory();
  [alice, bob] = await Promise.all([newUser(t, 'alice'), newUser(t, 'bob')]);
});
afterAll(async () => {
  await t?.close();
});

/** virgil-sdk's VirgilHttpError (not exported by the package): name, httpStatus, errorCode. */
interface VirgilHttpError {
  httpStatus: number;
  errorCode: string | number;
}

async function httpError(promise: Promise<unknown>): Promise<VirgilHttpError> {
  try {
    await promise;
  } catch (e) {
    if ((e as Error).name === 'VirgilHttpError') return e as unknown as VirgilHttpError;
    throw e;
  }
  throw new Error('expected the request to fail');
}

describe('cards v5 with virgil-sdk CardManager', () => {
  it('publishes two devices of alice and bob finds both, verified against the app key', async () => {
    const laptop = alice.newKeys();
    const phone = alice.newKeys();
    const c1 = await alice.cards.publishCard({ privateKey: laptop.privateKey, publicKey: laptop.publicKey });
    const c2 = await alice.cards.publishCard({ privateKey: phone.privateKey, publicKey: phone.publicKey });
    expect(c1.identity).toBe('alice');
    expect(c1.signatures.map((s) => s.signer).sort()).toEqual(['app', 'self']);

    const found = await bob.cards.searchCards('alice');
    expect(found.map((c) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect(found.every((c) => !c.isOutdated)).toBe(true);

    const fetched = await bob.cards.getCard(c1.id);
    expect(fetched.id).toBe(c1.id);
    expect(fetched.isOutdated).toBe(false);
    expect(t.crypto.exportPublicKey(fetched.publicKey as VirgilPublicKey).toString('base64'))
      .toBe(t.crypto.exportPublicKey(laptop.publicKey).toString('base64'));
  });

  it('supersedes a card via previousCardId: the old one is outdated and leaves search', async () => {
    const carol = await newUser(t, 'carol');
    const old = carol.newKeys();
    const next = carol.newKeys();
    const c1 = await carol.cards.publishCard({ privateKey: old.privateKey, publicKey: old.publicKey });
    const c2 = await carol.cards.publishCard({ privateKey: next.privateKey, publicKey: next.publicKey, previousCardId: c1.id });
    expect(c2.previousCardId).toBe(c1.id);
    expect((await bob.cards.getCard(c1.id)).isOutdated).toBe(true);
    expect((await bob.cards.getCard(c2.id)).isOutdated).toBe(false);
    expect((await bob.cards.searchCards('carol')).map((c) => c.id)).toEqual([c2.id]);
    const raw = await call(t.url, 'GET', `/card/v5/${c1.id}`, { token: bob.token });
    expect(raw.headers.get('x-virgil-is-superseeded')).toBe('true');

    // Superseding the already superseded card again (a fork) is refused.
    const fork = carol.newKeys();
    const err = await httpError(carol.cards.publishCard({ privateKey: fork.privateKey, publicKey: fork.publicKey, previousCardId: c1.id }));
    expect(err.httpStatus).toBe(409);
  });

  it('refuses to supersede a card of another identity', async () => {
    const keys = alice.newKeys();
    const aliceCard = await alice.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey });
    const bobKeys = bob.newKeys();
    const err = await httpError(bob.cards.publishCard({ privateKey: bobKeys.privateKey, publicKey: bobKeys.publicKey, previousCardId: aliceCard.id }));
    expect(err.httpStatus).toBe(403);
    expect((await bob.cards.getCard(aliceCard.id)).isOutdated).toBe(false);
  });

  it('revokes: the card leaves search, GET reports it outdated; only the owner may revoke', async () => {
    const dave = await newUser(t, 'dave');
    const k1 = dave.newKeys();
    const k2 = dave.newKeys();
    const c1 = await dave.cards.publishCard({ privateKey: k1.privateKey, publicKey: k1.publicKey });
    const c2 = await dave.cards.publishCard({ privateKey: k2.privateKey, publicKey: k2.publicKey });
    const denied = await httpError(bob.cards.revokeCard(c1.id));
    expect(denied.httpStatus).toBe(403);
    await dave.cards.revokeCard(c1.id);
    expect((await bob.cards.searchCards('dave')).map((c) => c.id)).toEqual([c2.id]);
    expect((await bob.cards.getCard(c1.id)).isOutdated).toBe(true);
    await dave.cards.revokeCard(c1.id); // idempotent
    expect((await httpError(dave.cards.revokeCard('0'.repeat(64)))).httpStatus).toBe(404);
  });

  it('refuses a card published for another identity than the token\'s', async () => {
    const keys = bob.newKeys();
    const raw = bob.cards.generateRawCard({ identity: 'alice', privateKey: keys.privateKey, publicKey: keys.publicKey });
    const err = await httpError(bob.cards.publishRawCard(raw));
    expect(err.httpStatus).toBe(403);
    expect(err.errorCode).toBe('Forbidden');
    expect((await bob.cards.searchCards('alice')).some((c) => t.crypto.exportPublicKey(c.publicKey as VirgilPublicKey).equals(t.crypto.exportPublicKey(keys.publicKey)))).toBe(false);
  });

  it('refuses a card whose self signature is wrong', async () => {
    const keys = alice.newKeys();
    const other = alice.newKeys();
    const raw = alice.cards.generateRawCard({ identity: 'alice', privateKey: other.privateKey, publicKey: keys.publicKey });
    const err = await httpError(alice.cards.publishRawCard(raw));
    expect(err.httpStatus).toBe(400);
    expect(err.errorCode).toBe('BadSignature');

    const sent = raw.toJson();
    const body = { ...sent, signatures: sent.signatures.map((s) => ({ ...s, signature: Buffer.alloc(83, 1).toString('base64') })) };
    const garbage = await call(t.url, 'POST', '/card/v5', { token: alice.token, body });
    expect(garbage.status).toBe(400);
    const missing = await call(t.url, 'POST', '/card/v5', { token: alice.token, body: { ...body, signatures: [{ signer: 'other', signature: 'AAAA' }] } });
    expect(missing.status).toBe(400);
  });

  it('stores and returns an extra identity signature untouched', async () => {
    const device = alice.newKeys();
    const identityKey = alice.newKeys();
    const raw = alice.cards.generateRawCard({ identity: 'alice', privateKey: device.privateKey, publicKey: device.publicKey });
    new ModelSigner(new VirgilCardCrypto(t.crypto)).sign({
      model: raw, signerPrivateKey: identityKey.privateKey, signer: 'identity', extraFields: { v: '1', note: 'cross-signed' },
    });
    const sent = raw.toJson();
    const published = await alice.cards.publishRawCard(raw);
    const fetched = await call(t.url, 'GET', `/card/v5/${published.id}`, { token: bob.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body.content_snapshot).toBe(sent.content_snapshot);
    expect(fetched.body.signatures.slice(0, 2)).toEqual(sent.signatures);
    expect(fetched.body.signatures[2].signer).toBe('app');

    const card = await bob.cards.getCard(published.id);
    const sig = card.signatures.find((s) => s.signer === 'identity')!;
    expect(sig.extraFields).toEqual({ v: '1', note: 'cross-signed' });
    expect(t.crypto.verifySignature(card.contentSnapshot + sig.snapshot, sig.signature, identityKey.publicKey)).toBe(true);
  });

  it('computes the card id as virgil-sdk does and refuses duplicates', async () => {
    const keys = alice.newKeys();
    const raw = alice.cards.generateRawCard({ identity: 'alice', privateKey: keys.privateKey, publicKey: keys.publicKey });
    const first = await call(t.url, 'POST', '/card/v5', { token: alice.token, body: raw.toJson() });
    expect(first.status).toBe(200);
    const id = t.crypto.calculateHash(raw.contentSnapshot).subarray(0, 32).toString('hex');
    expect((await alice.cards.getCard(id)).id).toBe(id);
    const again = await call(t.url, 'POST', '/card/v5', { token: alice.token, body: raw.toJson() });
    expect(again.status).toBe(409);
    expect(RawSignedModel.fromJson(first.body).signatures.length).toBe(2);
  });

  it('retries once with a fresh token when the token expired (401, code 20304)', async () => {
    let now = Date.now();
    const local = await startTestDirectory({ now: () => now });
    try {
      const erin = await newUser(local, 'erin');
      const keys = erin.newKeys();
      await erin.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey });
      const stale = erin.token;
      now += 2 * 3_600_000;
      const expired = await call(local.url, 'POST', '/card/v5/actions/search', { token: stale, body: { identities: ['erin'] } });
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe(20304);
      // The SDK gets 20304 with the old token, asks for a new one and succeeds. (Tokens are
      // minted with the real clock, so move "now" back to let the fresh one pass.)
      let calls = 0;
      const { cardManager } = await import('./support/harness');
      const cm = cardManager(local, async () => {
        calls++;
        if (calls === 1) return stale;
        now = Date.now();
        return (await call(local.url, 'POST', '/v1/session', { body: { identity: 'erin', password: erin.password } })).body.token;
      });
      expect(await cm.searchCards('erin')).toHaveLength(1);
      expect(calls).toBe(2);
    } finally {
      await local.close();
    }
  });

  it('caps active cards per identity, but superseding still works', async () => {
    const local = await startTestDirectory();
    try {
      const zoe = await newUser(local, 'zoe');
      let last = '';
      for (let i = 0; i < 50; i++) {
        const k = zoe.newKeys();
        last = (await zoe.cards.publishCard({ privateKey: k.privateKey, publicKey: k.publicKey })).id;
      }
      const extra = zoe.newKeys();
      expect((await httpError(zoe.cards.publishCard({ privateKey: extra.privateKey, publicKey: extra.publicKey }))).httpStatus).toBe(507);
      const next = await zoe.cards.publishCard({ privateKey: extra.privateKey, publicKey: extra.publicKey, previousCardId: last });
      expect(next.previousCardId).toBe(last);
      expect(await zoe.cards.searchCards('zoe')).toHaveLength(50);
    } finally {
      await local.close();
    }
  });

  it('searches several identities at once and only returns matching identities', async () => {
    const found = await bob.cards.searchCards(['alice', 'carol', 'nobody']);
    expect(new Set(found.map((c) => c.identity))).toEqual(new Set(['alice', 'carol']));
    const bad = await call(t.url, 'POST', '/card/v5/actions/search', { token: bob.token, body: { identities: [] } });
    expect(bad.status).toBe(400);
  });
});
