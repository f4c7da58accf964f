import { beforeAll, describe, expect, it } from 'vitest';
import { RawSignedModel } from 'virgil-sdk';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import {
  buildDeviceCard, CardDirectory, checkDeviceCard, exportPublicKeyBase64, generateDeviceKey, generateIdentityKey,
  isSignedByPrevious, parseDeviceCard, verifyDeviceCard, type KeyPair,
} from '../../../lib/cards';
import { ErrorCode, isError } from '../../../lib/errors';
import { FakeDirectory } from './support/fake-directory';

let dir: FakeDirectory;
beforeAll(async () => {
  await ensureCrypto();
  dir = await FakeDirectory.create();
});

function clientFor(identity: string, appPublicKey = dir.appPublicKey): CardDirectory {
  return new CardDirectory({ apiUrl: 'http://directory.test', appPublicKey, getToken: async () => dir.token(identity), fetch: dir.fetch });
}

async function enrol(identity: string, identityKey: KeyPair = generateIdentityKey()) {
  const deviceKey = generateDeviceKey();
  const card = await clientFor(identity).publishDeviceCard({ identity, deviceKey, identityKey });
  return { identityKey, deviceKey, card };
}

describe('device cards through CardManager with a fetch connection', () => {
  it('publishes a card carrying self, identity and app signatures through the injected fetch', async () => {
    const before = dir.requests;
    const { card, identityKey } = await enrol('alice');
    expect(dir.requests).toBeGreaterThan(before);
    expect(card.signatures.map((s) => s.signer).sort()).toEqual(['app', 'identity', 'self']);
    expect(card.claimedIdentityKey).toBe(exportPublicKeyBase64(identityKey.publicKey));
    expect(verifyDeviceCard(card, { appPublicKey: dir.appPublicKey }, exportPublicKeyBase64(identityKey.publicKey))).toBe(card.claimedIdentityKey);
  });

  it('search returns the active cards of an identity', async () => {
    const ik = generateIdentityKey();
    const a = await enrol('bob', ik);
    const b = await enrol('bob', ik);
    const result = await clientFor('alice').search(['bob']);
    expect(result.cards.map((c) => c.id).sort()).toEqual([a.card.id, b.card.id].sort());
    expect(result.rejected).toEqual([]);
  });

  it('a card for carol signed by the app key but cross-signed by another identity key fails the pin check', async () => {
    const genuine = await enrol('carol');
    const pinned = exportPublicKeyBase64(genuine.identityKey.publicKey);
    const rogue = dir.appSign(buildDeviceCard({ identity: 'carol', deviceKey: generateDeviceKey(), identityKey: generateIdentityKey() }));
    dir.inject(rogue);
    const { cards } = await clientFor('alice').search(['carol']);
    const verdicts = cards.map((c) => checkDeviceCard(c, { appPublicKey: dir.appPublicKey }, pinned));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(1);
    expect(verdicts.filter((v) => !v.ok).map((v) => !v.ok && v.reason)).toEqual(['identity-key-mismatch']);
    const rogueCard = cards.find((c) => c.id !== genuine.card.id)!;
    try {
      verifyDeviceCard(rogueCard, { appPublicKey: dir.appPublicKey }, pinned);
      expect.unreachable();
    } catch (e) {
      expect(isError(e, ErrorCode.UntrustedIdentity)).toBe(true);
    }
  });

  it('a card without an identity cross-signature is rejected by search, the genuine ones still come back', async () => {
    const genuine = await enrol('dave');
    const deviceKey = generateDeviceKey();
    const model = new RawSignedModel(
      JSON.stringify({ identity: 'dave', created_at: 1, version: '5.0', public_key: exportPublicKeyBase64(deviceKey.publicKey) }),
      [],
    );
    model.signatures.push({ signer: 'self', signature: virgil().calculateSignature(model.contentSnapshot, deviceKey.privateKey).toString('base64') });
    dir.inject(dir.appSign(model));
    const result = await clientFor('alice').search(['dave']);
    expect(result.cards.map((c) => c.id)).toEqual([genuine.card.id]);
    expect(result.rejected.map((r) => r.reason)).toEqual(['missing-identity-signature']);
  });

  it('cards are checked against the PINNED app key, not whatever key signed them', async () => {
    await enrol('erin');
    const otherApp = exportPublicKeyBase64(generateIdentityKey().publicKey);
    const result = await clientFor('alice', otherApp).search(['erin']);
    expect(result.cards).toEqual([]);
    expect(result.rejected.map((r) => r.reason)).toEqual(['bad-app-signature']);
  });

  it('an altered snapshot breaks the self signature', async () => {
    const { card } = await enrol('frank');
    const altered = parseDeviceCard({
      ...card.raw,
      content_snapshot: btoa(card.contentSnapshot.replace('"frank"', '"frank2"')),
    });
    expect(checkDeviceCard(altered, { appPublicKey: dir.appPublicKey })).toEqual({ ok: false, reason: 'bad-self-signature' });
  });

  it('a replacement co-signed by the old card key is an orderly rotation; getCard marks the old one outdated', async () => {
    const { card: old, deviceKey, identityKey } = await enrol('gina');
    const client = clientFor('gina');
    const next = await client.publishDeviceCard({
      identity: 'gina', deviceKey: generateDeviceKey(), identityKey, previous: { cardId: old.id, privateKey: deviceKey.privateKey },
    });
    expect(next.previousCardId).toBe(old.id);
    expect(isSignedByPrevious(next, old)).toBe(true);
    expect((await client.getCard(old.id)).isOutdated).toBe(true);
    expect((await client.search(['gina'])).cards.map((c) => c.id)).toEqual([next.id]);
  });

  it('a replacement without the old key signature is detected (key change)', async () => {
    const { card: old, identityKey } = await enrol('hank');
    const next = await clientFor('hank').publishDeviceCard({
      identity: 'hank', deviceKey: generateDeviceKey(), identityKey, previous: { cardId: old.id, privateKey: generateDeviceKey().privateKey },
    });
    expect(isSignedByPrevious(next, old)).toBe(false);
  });

  it('revoke removes the card from search; directory errors map to codes', async () => {
    const { card } = await enrol('ivy');
    await clientFor('ivy').revoke(card.id);
    expect((await clientFor('alice').search(['ivy'])).cards).toEqual([]);
    const other = await enrol('jack');
    await expect(clientFor('alice').revoke(other.card.id)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(clientFor('alice').getCard('0'.repeat(64))).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('splits long searches into batches the directory accepts', async () => {
    const { card } = await enrol('kate');
    const identities = ['kate', ...Array.from({ length: 119 }, (_, i) => `nobody${i}`)];
    const before = dir.requests;
    const result = await clientFor('alice').search(identities);
    expect(dir.requests - before).toBe(3);
    expect(result.cards.map((c) => c.id)).toEqual([card.id]);
  });

  it('refuses non-ASCII identities and malformed card JSON before any WASM call', () => {
    for (const identity of ['zoë', 'Alice', 'a b', 'x'.repeat(129)]) {
      expect(() => buildDeviceCard({ identity, deviceKey: generateDeviceKey(), identityKey: generateIdentityKey() })).toThrow();
    }
    for (const bad of [null, {}, { content_snapshot: '!!', signatures: [] }, { content_snapshot: btoa('{}'), signatures: [{ signer: 'self', signature: 'AA==' }] }]) {
      try {
        parseDeviceCard(bad);
        expect.unreachable();
      } catch (e) {
        expect(isError(e, ErrorCode.Malformed)).toBe(true);
      }
    }
  });
});
