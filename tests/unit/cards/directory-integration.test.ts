/**
 * The card layer against the real directory (server/, in-process on a random port, temp
 * SQLite), over real HTTP through our fetch connection: the server must keep our
 * `identity` and `previous` signatures and add its `app` signature.
 */
import { describe, expect, it } from 'vitest';
import { CardDirectory, exportPublicKeyBase64, generateDeviceKey, generateIdentityKey, isSignedByPrevious } from '../../../lib/cards';
import { ContactStore, MemoryStorage } from '../../../lib/contacts';
import { newUser } from '../../server/support/harness';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

function client(token: string): CardDirectory {
  return new CardDirectory({ apiUrl: t.url, appPublicKey: t.appPublicKey, getToken: async () => token });
}

describe('cards against the real directory', () => {
  it('publishes cross-signed cards, finds them, pins the identity, follows a rotation and a revocation', async () => {
    const alice = await newUser(t, 'alice-int');
    const bob = await newUser(t, 'bob-int');
    const identityKey = generateIdentityKey();
    const deviceKey = generateDeviceKey();
    const published = await client(alice.token).publishDeviceCard({ identity: 'alice-int', deviceKey, identityKey });
    expect(published.signatures.map((s) => s.signer).sort()).toEqual(['app', 'identity', 'self']);

    const contacts = new ContactStore(new MemoryStorage(), { appPublicKey: t.appPublicKey });
    const found = await client(bob.token).search(['alice-int']);
    expect(found.rejected).toEqual([]);
    const first = await contacts.applyCardSet('alice-int', found.cards);
    expect(first.contact?.identityKey).toBe(exportPublicKeyBase64(identityKey.publicKey));

    const rotated = await client(alice.token).publishDeviceCard({
      identity: 'alice-int', deviceKey: generateDeviceKey(), identityKey, previous: { cardId: published.id, privateKey: deviceKey.privateKey },
    });
    expect(isSignedByPrevious(rotated, published)).toBe(true);
    const afterRotation = await contacts.applyCardSet('alice-int', (await client(bob.token).search(['alice-int'])).cards);
    expect(afterRotation.events).toEqual([{ kind: 'device-replaced', identity: 'alice-int', cardId: rotated.id, previousCardId: published.id }]);
    expect((await client(bob.token).getCard(published.id)).isOutdated).toBe(true);

    await client(alice.token).revoke(rotated.id);
    const afterRevoke = await contacts.applyCardSet('alice-int', (await client(bob.token).search(['alice-int'])).cards);
    expect(afterRevoke.events).toEqual([{ kind: 'card-revoked', identity: 'alice-int', cardId: rotated.id }]);
  });
});
