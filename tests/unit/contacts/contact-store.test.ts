import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { ContactStore, MemoryStorage, toContactView } from '../../../lib/contacts';
import { generateIdentityKey } from '../../../lib/cards';
import { ErrorCode } from '../../../lib/errors';
import { FakeDirectory } from '../cards/support/fake-directory';
import { makeCard, makeUser } from './support';

let dir: FakeDirectory;
beforeAll(async () => {
  await ensureCrypto();
  dir = await FakeDirectory.create();
});

function newStore(): ContactStore {
  let t = 1_000;
  return new ContactStore(new MemoryStorage(), { appPublicKey: dir.appPublicKey }, () => (t += 1000));
}

describe('ContactStore', () => {
  it('pins the identity key on first sight (TOFU) and trusts the cards it cross-signed', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const { card } = makeCard(dir, bob);
    const { contact, events } = await store.applyCardSet('bob', [card]);
    expect(events).toEqual([{ kind: 'first-seen', identity: 'bob', identityKey: bob.identityKeyB64 }]);
    expect(contact?.state).toBe('firstSeen');
    expect(contact?.identityKey).toBe(bob.identityKeyB64);
    expect((await store.trustedCards('bob')).map((c) => c.id)).toEqual([card.id]);
  });

  it('reports a new device, an orderly replacement, a replacement without the old key, and a revocation', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const a = makeCard(dir, bob);
    const b = makeCard(dir, bob);
    await store.applyCardSet('bob', [a.card]);
    const added = await store.applyCardSet('bob', [a.card, b.card, b.card]);
    expect(added.events).toEqual([{ kind: 'new-device', identity: 'bob', cardId: b.card.id }]);

    const a2 = makeCard(dir, bob, { previous: { cardId: a.card.id, privateKey: a.deviceKey.privateKey } });
    const rotated = await store.applyCardSet('bob', [a2.card, b.card]);
    expect(rotated.events).toEqual([{ kind: 'device-replaced', identity: 'bob', cardId: a2.card.id, previousCardId: a.card.id }]);

    const b2 = makeCard(dir, bob, { previous: { cardId: b.card.id, privateKey: generateIdentityKey().privateKey } });
    const changed = await store.applyCardSet('bob', [a2.card, b2.card]);
    expect(changed.events).toEqual([{ kind: 'device-key-changed', identity: 'bob', cardId: b2.card.id, previousCardId: b.card.id }]);

    const revoked = await store.applyCardSet('bob', [b2.card]);
    expect(revoked.events).toEqual([{ kind: 'card-revoked', identity: 'bob', cardId: a2.card.id }]);
    expect((await store.trustedCards('bob')).map((c) => c.id)).toEqual([b2.card.id]);
  });

  it('a card signed by the app key but not by the pinned identity key is not trusted; the change is reported and sticks', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const genuine = makeCard(dir, bob);
    await store.applyCardSet('bob', [genuine.card]);
    const mallory = makeUser('bob');
    const rogue = makeCard(dir, mallory);
    const { contact, events } = await store.applyCardSet('bob', [genuine.card, rogue.card]);
    expect(events).toEqual([{ kind: 'identity-key-changed', identity: 'bob', pinnedKey: bob.identityKeyB64, offeredKey: mallory.identityKeyB64 }]);
    expect(contact?.state).toBe('keyChanged');
    expect(contact?.identityKey).toBe(bob.identityKeyB64);
    expect((await store.trustedCards('bob')).map((c) => c.id)).toEqual([genuine.card.id]);
    // Same offer again: no duplicate event, still changed.
    const again = await store.applyCardSet('bob', [genuine.card, rogue.card]);
    expect(again.events).toEqual([]);
    await expect(store.markVerified('bob', bob.identityKeyB64)).rejects.toMatchObject({ code: ErrorCode.IdentityKeyChanged });
  });

  it('re-pins only when the user accepts the offered key', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    await store.applyCardSet('bob', [makeCard(dir, bob).card]);
    const bobNew = makeUser('bob');
    const fresh = makeCard(dir, bobNew);
    await store.applyCardSet('bob', [fresh.card]);
    await expect(store.acceptIdentityKey('bob', makeUser('bob').identityKeyB64)).rejects.toMatchObject({ code: ErrorCode.Conflict });
    const accepted = await store.acceptIdentityKey('bob', bobNew.identityKeyB64);
    expect(accepted.state).toBe('firstSeen');
    const { events } = await store.applyCardSet('bob', [fresh.card]);
    expect(events).toEqual([{ kind: 'new-device', identity: 'bob', cardId: fresh.card.id }]);
    expect((await store.trustedCards('bob')).map((c) => c.id)).toEqual([fresh.card.id]);
  });

  it('verification requires the pinned key, can be taken back, and shows in the contact view', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const { card } = makeCard(dir, bob);
    await store.applyCardSet('bob', [card]);
    await expect(store.markVerified('bob', makeUser('x').identityKeyB64)).rejects.toMatchObject({ code: ErrorCode.UntrustedIdentity });
    const verified = await store.markVerified('bob', bob.identityKeyB64);
    expect(verified.state).toBe('verified');
    const view = toContactView(verified, card.id);
    expect(view).toMatchObject({ identity: 'bob', state: 'verified', devices: [{ cardId: card.id, identity: 'bob', thisDevice: true, state: 'verified' }] });
    expect(view.devices[0]!.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    const back = await store.markUnverified('bob');
    expect(back.state).toBe('firstSeen');
    expect(back.verifiedAt).toBeUndefined();
  });

  it('rejects cards with another identity or a bad app signature, and refuses to pin when first cards disagree', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const carol = makeUser('carol');
    const { events, contact } = await store.applyCardSet('bob', [makeCard(dir, carol).card]);
    expect(contact).toBeUndefined();
    expect(events.map((e) => e.kind)).toEqual(['card-rejected']);
    await expect(store.applyCardSet('bob', [makeCard(dir, bob).card, makeCard(dir, makeUser('bob')).card])).rejects.toMatchObject({
      code: ErrorCode.UntrustedIdentity,
    });
    expect(await store.get('bob')).toBeUndefined();
  });

  it('own identity is pinned verified and cannot silently change', async () => {
    const store = newStore();
    const me = makeUser('me');
    expect((await store.pinOwnIdentity('me', me.identityKeyB64)).state).toBe('verified');
    await expect(store.pinOwnIdentity('me', makeUser('me').identityKeyB64)).rejects.toMatchObject({ code: ErrorCode.IdentityKeyChanged });
  });

  it('serialises concurrent refreshes of one contact', async () => {
    const store = newStore();
    const bob = makeUser('bob');
    const cards = Array.from({ length: 4 }, () => makeCard(dir, bob).card);
    const results = await Promise.all(cards.map((_, i) => store.applyCardSet('bob', cards.slice(0, i + 1))));
    const kinds = results.flatMap((r) => r.events.map((e) => e.kind));
    expect(kinds).toEqual(['first-seen', 'new-device', 'new-device', 'new-device']);
  });
});
