/** When devices and key changes were first seen: what the popup lists as a new device and a key change (issue 6). */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { ContactStore, MemoryStorage, toContactView } from '../../../lib/contacts';
import { FakeDirectory } from '../cards/support/fake-directory';
import { makeCard, makeUser } from './support';

let dir: FakeDirectory;
beforeAll(async () => {
  await ensureCrypto();
  dir = await FakeDirectory.create();
});

function newStore(): { store: ContactStore; clock: { t: number } } {
  const clock = { t: 1_000 };
  return { store: new ContactStore(new MemoryStorage(), { appPublicKey: dir.appPublicKey }, () => (clock.t += 1000)), clock };
}

describe('device first-seen times and key-change time', () => {
  it('the devices of the first sight are not new; one added later is, until the contact is verified', async () => {
    const { store } = newStore();
    const bob = makeUser('bob');
    const a = makeCard(dir, bob);
    const first = await store.applyCardSet('bob', [a.card]);
    const firstSeenAt = first.contact!.firstSeenAt;
    let view = toContactView((await store.get('bob'))!);
    expect(view.devices).toEqual([expect.objectContaining({ cardId: a.card.id, firstSeenAt, isNew: false })]);

    const b = makeCard(dir, bob);
    await store.applyCardSet('bob', [a.card, b.card]);
    view = toContactView((await store.get('bob'))!);
    const added = view.devices.find((d) => d.cardId === b.card.id)!;
    expect(added.isNew).toBe(true);
    expect(added.firstSeenAt).toBeGreaterThan(firstSeenAt);
    // A later refresh keeps the time it was first seen.
    await store.applyCardSet('bob', [a.card, b.card]);
    expect(toContactView((await store.get('bob'))!).devices.find((d) => d.cardId === b.card.id)?.firstSeenAt).toBe(added.firstSeenAt);

    await store.markVerified('bob', bob.identityKeyB64);
    expect(toContactView((await store.get('bob'))!).devices.map((d) => d.isNew)).toEqual([false, false]);
  });

  it('records without per-card times (older versions) count their cards as seen with the contact', async () => {
    const storage = new MemoryStorage();
    const store = new ContactStore(storage, { appPublicKey: dir.appPublicKey }, () => 5_000);
    const bob = makeUser('bob');
    const a = makeCard(dir, bob);
    await store.applyCardSet('bob', [a.card]);
    const { cardFirstSeen: _gone, ...legacy } = (await store.get('bob'))!;
    await storage.set('contact/bob', legacy);
    expect(toContactView((await store.get('bob'))!).devices[0]).toMatchObject({ firstSeenAt: 5_000, isNew: false });
    await store.applyCardSet('bob', [a.card]);
    expect((await store.get('bob'))!.cardFirstSeen).toEqual({ [a.card.id]: 5_000 });
  });

  it('keyChangedAt is when the new key was first seen, kept while it stays changed, and gone once accepted', async () => {
    const { store } = newStore();
    const bob = makeUser('bob');
    await store.applyCardSet('bob', [makeCard(dir, bob).card]);
    expect(toContactView((await store.get('bob'))!).keyChangedAt).toBeUndefined();
    const reinstalled = makeUser('bob');
    const fresh = makeCard(dir, reinstalled);
    await store.applyCardSet('bob', [fresh.card]);
    const changedAt = toContactView((await store.get('bob'))!).keyChangedAt;
    expect(changedAt).toEqual(expect.any(Number));
    await store.applyCardSet('bob', [fresh.card]);
    expect(toContactView((await store.get('bob'))!).keyChangedAt).toBe(changedAt);

    await store.acceptIdentityKey('bob', reinstalled.identityKeyB64);
    await store.applyCardSet('bob', [fresh.card]);
    await store.markVerified('bob', reinstalled.identityKeyB64);
    const settled = toContactView((await store.get('bob'))!);
    expect(settled.keyChangedAt).toBeUndefined();
    expect(settled.state).toBe('verified');
    expect(settled.devices).toEqual([expect.objectContaining({ cardId: fresh.card.id, isNew: false })]);
  });
});
