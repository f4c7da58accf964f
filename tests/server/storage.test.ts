/**
 * One storage test suite, run against SQLite and PostgreSQL (see support/postgres.ts).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../server/storage/sqlite';
import type { CardRecord, Repository, StoredPrekey } from '../../server/storage/repository';
import { startBackends, type TestDatabase } from './support/backends';

const backends = await startBackends();
afterAll(async () => {
  await backends.stop();
});

const hex = (n: number) => n.toString(16).padStart(64, '0');
function card(n: number, identity: string, previous: number | null = null): CardRecord {
  return {
    id: hex(n), identity, publicKey: `pk${n}`, model: `{"n":${n}}`, createdAt: 1000 + n,
    previousCardId: previous === null ? null : hex(previous), supersededBy: null, revokedAt: null,
  };
}
const prekey = (keyId: number): StoredPrekey => ({ keyId, publicKey: `pub${keyId}`, createdAt: 5000 + keyId, signature: `sig${keyId}` });

describe.each(backends.list)('storage: $name', (backend) => {
  let repo: Repository;
  let db: TestDatabase | undefined;
  const open = async () => {
    db = await backend.create();
    repo = await db.connect();
    return repo;
  };
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('creates accounts once and consumes an invite exactly once', async () => {
    await open();
    expect(await repo.createAccount({ identity: 'alice', passwordHash: 'h', createdAt: 1 })).toBe('created');
    expect(await repo.createAccount({ identity: 'alice', passwordHash: 'x', createdAt: 2 })).toBe('taken');
    expect((await repo.getAccount('alice'))?.passwordHash).toBe('h');
    expect(await repo.getAccount('nobody')).toBeNull();

    await repo.createInvite('code1', 10, null);
    await repo.createInvite('old', 10, 20);
    expect(await repo.createAccount({ identity: 'bob', passwordHash: 'h', createdAt: 30 }, 'old')).toBe('bad-invite');
    expect(await repo.createAccount({ identity: 'bob', passwordHash: 'h', createdAt: 30 }, 'nope')).toBe('bad-invite');
    expect(await repo.getAccount('bob')).toBeNull();
    // A taken identity does not burn the invite.
    expect(await repo.createAccount({ identity: 'alice', passwordHash: 'h', createdAt: 30 }, 'code1')).toBe('taken');
    expect(await repo.createAccount({ identity: 'bob', passwordHash: 'h', createdAt: 30 }, 'code1')).toBe('created');
    expect(await repo.createAccount({ identity: 'carol', passwordHash: 'h', createdAt: 31 }, 'code1')).toBe('bad-invite');
  });

  it('inserts, supersedes within one identity only, searches active cards and revokes', async () => {
    await open();
    expect(await repo.insertCard(card(1, 'alice'))).toBe('inserted');
    expect(await repo.insertCard(card(1, 'alice'))).toBe('exists');
    expect(await repo.insertCard(card(2, 'alice'))).toBe('inserted');
    expect(await repo.insertCard(card(3, 'bob'))).toBe('inserted');
    // Bob cannot supersede Alice's card; nothing is stored.
    expect(await repo.insertCard(card(4, 'bob', 1))).toBe('previous-not-active');
    expect(await repo.getCard(hex(4))).toBeNull();
    expect(await repo.insertCard(card(5, 'alice', 1))).toBe('inserted');
    expect((await repo.getCard(hex(1)))?.supersededBy).toBe(hex(5));
    // A superseded card cannot be superseded again (no forks).
    expect(await repo.insertCard(card(6, 'alice', 1))).toBe('previous-not-active');

    const active = await repo.searchActiveCards(['alice', 'bob', 'nobody']);
    expect(active.map((c) => c.id).sort()).toEqual([hex(2), hex(3), hex(5)]);
    expect(active.find((c) => c.id === hex(2))).toMatchObject({ identity: 'alice', model: '{"n":2}', publicKey: 'pk2' });

    expect(await repo.revokeCard(hex(2), 77)).toBe(true);
    expect(await repo.revokeCard(hex(2), 88)).toBe(true);
    expect((await repo.getCard(hex(2)))?.revokedAt).toBe(77);
    expect(await repo.revokeCard(hex(99), 77)).toBe(false);
    expect((await repo.searchActiveCards(['alice'])).map((c) => c.id)).toEqual([hex(5)]);
  });

  it('keeps concurrent writes independent: one refused write does not undo its neighbours', async () => {
    await open();
    await repo.insertCard(card(1, 'alice'));
    const results = await Promise.all([
      repo.insertCard(card(10, 'alice')),
      repo.insertCard(card(11, 'alice', 999)),
      repo.insertCard(card(12, 'bob', 1)),
      repo.insertCard(card(13, 'alice', 1)),
      repo.putBackup('alice', 'b', null, 1),
    ]);
    expect(results).toEqual(['inserted', 'previous-not-active', 'previous-not-active', 'inserted', { ok: true, version: 1 }]);
    expect(await repo.getCard(hex(11))).toBeNull();
    expect(await repo.getCard(hex(12))).toBeNull();
    expect((await repo.getCard(hex(1)))?.supersededBy).toBe(hex(13));
    expect((await repo.searchActiveCards(['alice'])).map((c) => c.id).sort()).toEqual([hex(10), hex(13)]);
  });

  it('stores prekeys, ignores re-uploaded key ids and claims the lowest unclaimed key once', async () => {
    await open();
    await repo.insertCard(card(1, 'alice'));
    await repo.insertCard(card(2, 'alice'));
    await repo.insertCard(card(3, 'alice'));
    expect(await repo.putPrekeys(hex(1), prekey(100), [prekey(3), prekey(1), prekey(2)])).toBe(3);
    expect(await repo.putPrekeys(hex(2), prekey(200), [])).toBe(0);
    // card 3 has no signed prekey: not claimable
    expect(await repo.putPrekeys(hex(3), null, [prekey(9)])).toBe(1);
    expect(await repo.getSignedPrekey(hex(1))).toEqual(prekey(100));

    const first = await repo.claimBundles('alice', 'bob', 1);
    expect(first.map((b) => b.cardId)).toEqual([hex(1), hex(2)]);
    expect(first[0]).toEqual({ cardId: hex(1), identity: 'alice', signedPrekey: prekey(100), oneTimePrekey: prekey(1) });
    expect(first[1]?.oneTimePrekey).toBeNull();
    expect(await repo.countOneTimePrekeys(hex(1))).toBe(2);

    // Re-uploading a claimed key id does not make it claimable again.
    expect(await repo.putPrekeys(hex(1), null, [prekey(1), prekey(4)])).toBe(3);
    const handed = [];
    for (let i = 0; i < 4; i++) handed.push((await repo.claimBundles('alice', 'bob', 2))[0]?.oneTimePrekey?.keyId ?? null);
    expect(handed).toEqual([2, 3, 4, null]);

    // Replacing the signed prekey; revoked cards are not claimable.
    await repo.putPrekeys(hex(1), prekey(101), []);
    await repo.revokeCard(hex(2), 3);
    const after = await repo.claimBundles('alice', 'bob', 4);
    expect(after.map((b) => [b.cardId, b.signedPrekey.keyId])).toEqual([[hex(1), 101]]);
    expect(await repo.claimBundles('nobody', 'bob', 4)).toEqual([]);
  });

  it('claims only the chosen cards of an identity; the others keep their one-time prekeys', async () => {
    await open();
    for (const n of [1, 2, 3, 4]) await repo.insertCard(card(n, 'alice'));
    await repo.insertCard(card(5, 'bob'));
    for (const n of [1, 2, 3, 5]) await repo.putPrekeys(hex(n), prekey(100 + n), [prekey(1), prekey(2)]);
    // card 4 has no signed prekey; card 3 gets revoked; card 5 is bob's.
    await repo.revokeCard(hex(3), 2);

    const chosen = await repo.claimBundles('alice', 'carol', 3, [hex(2)]);
    expect(chosen).toEqual([{ cardId: hex(2), identity: 'alice', signedPrekey: prekey(102), oneTimePrekey: prekey(1) }]);
    expect(await repo.countOneTimePrekeys(hex(1))).toBe(2);
    expect(await repo.countOneTimePrekeys(hex(2))).toBe(1);

    // Listed ids that are not claimable cards of alice (revoked, no signed prekey, bob's, unknown) are left out.
    const mixed = await repo.claimBundles('alice', 'carol', 4, [hex(3), hex(4), hex(5), hex(99), hex(1), hex(2)]);
    expect(mixed.map((b) => [b.cardId, b.oneTimePrekey?.keyId])).toEqual([[hex(1), 1], [hex(2), 2]]);
    expect(await repo.countOneTimePrekeys(hex(3))).toBe(2);
    expect(await repo.countOneTimePrekeys(hex(5))).toBe(2);
    expect(await repo.claimBundles('alice', 'carol', 5, [hex(5)])).toEqual([]);

    // Without a list: every claimable card, as before.
    const all = await repo.claimBundles('alice', 'carol', 6);
    expect(all.map((b) => [b.cardId, b.oneTimePrekey?.keyId ?? null])).toEqual([[hex(1), 2], [hex(2), null]]);
  });

  it('never hands out a one-time prekey twice under concurrent claims', async () => {
    await open();
    await repo.insertCard(card(1, 'alice'));
    await repo.insertCard(card(2, 'alice'));
    const keys = Array.from({ length: 60 }, (_, i) => prekey(i + 1));
    await repo.putPrekeys(hex(1), prekey(100), keys);
    await repo.putPrekeys(hex(2), prekey(200), keys);
    // Whole-identity claims mixed with claims for one chosen card.
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      repo.claimBundles('alice', `c${i}`, 10, i % 3 === 0 ? [hex(1)] : undefined)));
    for (const cardId of [hex(1), hex(2)]) {
      const ids = results.map((r) => r.find((b) => b.cardId === cardId)?.oneTimePrekey?.keyId).filter((k) => k !== undefined);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect(await repo.countOneTimePrekeys(cardId)).toBe(0);
    }
    expect(results.every((r, i) => r.length === (i % 3 === 0 ? 1 : 2))).toBe(true);
  });

  it('versions backups with compare-and-set', async () => {
    await open();
    expect(await repo.getBackup('alice')).toBeNull();
    expect(await repo.putBackup('alice', 'b1', 1, 1)).toEqual({ ok: false, current: null });
    expect(await repo.putBackup('alice', 'b1', null, 1)).toEqual({ ok: true, version: 1 });
    expect(await repo.putBackup('alice', 'b2', null, 2)).toEqual({ ok: false, current: 1 });
    expect(await repo.putBackup('alice', 'b2', 1, 2)).toEqual({ ok: true, version: 2 });
    expect(await repo.putBackup('alice', 'b3', 1, 3)).toEqual({ ok: false, current: 2 });
    expect(await repo.getBackup('alice')).toEqual({ version: 2, blob: 'b2' });
    // Two writers racing on the same version: exactly one wins.
    const race = await Promise.all([repo.putBackup('alice', 'x', 2, 4), repo.putBackup('alice', 'y', 2, 4)]);
    expect(race.filter((r) => r.ok)).toHaveLength(1);
    expect(await repo.deleteBackup('alice', 2)).toEqual({ ok: false, current: 3 });
    expect(await repo.deleteBackup('alice', 3)).toEqual({ ok: true, version: 3 });
    expect(await repo.getBackup('alice')).toBeNull();
  });

  it('enqueues under quotas, pages, acks only its own mailbox and expires envelopes', async () => {
    await open();
    await repo.insertCard(card(1, 'alice'));
    await repo.insertCard(card(2, 'alice'));
    const limits = { maxTotal: 5, maxPerSender: 3, now: 100 };
    const env = (sender: string, seq: number, expiresAt = 10_000, recipient = hex(1)) => ({
      recipientCardId: recipient, senderIdentity: sender, senderCardId: `${sender}-card`, seq, envelope: `e-${sender}-${seq}`,
      createdAt: 100, expiresAt,
    });
    const ids: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const r = await repo.enqueueEnvelope(env('bob', seq), limits);
      expect(r.ok).toBe(true);
      if (r.ok) ids.push(r.id);
    }
    expect(await repo.enqueueEnvelope(env('bob', 4), limits)).toEqual({ ok: false, reason: 'sender-quota' });
    expect(await repo.enqueueEnvelope(env('carol', 1), limits)).toMatchObject({ ok: true });
    expect(await repo.enqueueEnvelope(env('carol', 1), limits)).toEqual({ ok: false, reason: 'duplicate-seq' });
    expect(await repo.enqueueEnvelope(env('dave', 1, 150), limits)).toMatchObject({ ok: true });
    expect(await repo.enqueueEnvelope(env('erin', 1), limits)).toEqual({ ok: false, reason: 'full' });
    // Expired envelopes neither count nor show.
    expect(await repo.enqueueEnvelope(env('erin', 1), { ...limits, now: 200 })).toMatchObject({ ok: true });

    const page1 = await repo.fetchEnvelopes(hex(1), null, 2, 100);
    expect(page1.map((e) => e.envelope)).toEqual(['e-bob-1', 'e-bob-2']);
    const page2 = await repo.fetchEnvelopes(hex(1), page1[1]!.id, 10, 200);
    expect(page2.map((e) => e.envelope)).toEqual(['e-bob-3', 'e-carol-1', 'e-erin-1']);
    expect(page2[0]).toMatchObject({ senderIdentity: 'bob', senderCardId: 'bob-card', seq: 3, createdAt: 100 });

    expect(await repo.ackEnvelopes(hex(2), ids)).toBe(0);
    expect(await repo.ackEnvelopes(hex(1), [...ids, 'junk', '999999'])).toBe(3);
    expect((await repo.fetchEnvelopes(hex(1), null, 10, 100)).map((e) => e.senderIdentity)).toEqual(['carol', 'dave', 'erin']);
    expect(await repo.purgeExpiredEnvelopes(200)).toBe(1);
  });

  it('keeps the mailbox cap under concurrent senders', async () => {
    await open();
    await repo.insertCard(card(1, 'alice'));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => repo.enqueueEnvelope({
      recipientCardId: hex(1), senderIdentity: `s${i}`, senderCardId: `c${i}`, seq: 1, envelope: 'e', createdAt: 1, expiresAt: 1e12,
    }, { maxTotal: 25, maxPerSender: 10, now: 1 })));
    expect(results.filter((r) => r.ok)).toHaveLength(25);
    expect(results.filter((r) => !r.ok && r.reason === 'full')).toHaveLength(15);
  });

  it('appends and lists the org archive by conversation', async () => {
    await open();
    const a = await repo.insertArchive({ conversationId: 'c1', messageDigest: 'd1', blob: 'b1', authorIdentity: 'alice', createdAt: 1 });
    await repo.insertArchive({ conversationId: 'c2', messageDigest: 'd2', blob: 'b2', authorIdentity: 'bob', createdAt: 2 });
    const c = await repo.insertArchive({ conversationId: 'c1', messageDigest: 'd3', blob: 'b3', authorIdentity: 'bob', createdAt: 3 });
    expect((await repo.listArchive('c1', null, 10)).map((e) => e.id)).toEqual([a, c]);
    expect((await repo.listArchive('c1', a, 10))[0]).toEqual({
      id: c, conversationId: 'c1', messageDigest: 'd3', blob: 'b3', authorIdentity: 'bob', createdAt: 3,
    });
    expect(await repo.listArchive(null, null, 10)).toHaveLength(3);
    expect(await repo.listArchive(null, null, 1)).toHaveLength(1);
  });

  it('migrates idempotently when reopened', async () => {
    if (backend.name !== 'sqlite') return;
    const dir = mkdtempSync(join(tmpdir(), 'overcrypt-sqlite-'));
    try {
      const first = openSqlite(join(dir, 'db.sqlite'));
      await first.createAccount({ identity: 'alice', passwordHash: 'h', createdAt: 1 });
      await first.close();
      const second = openSqlite(join(dir, 'db.sqlite'));
      expect((await second.getAccount('alice'))?.identity).toBe('alice');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
