/**
 * The HTTP API end to end on PostgreSQL (the storage suite covers both backends in depth; this
 * checks the server wiring with the real virgil-sdk client and concurrent claims over HTTP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PrekeyKind, prekeySignedBytes } from '../../lib/directory/wire';
import { openPostgres } from '../../server/storage/postgres';
import { dropSchema, freshSchema, startPostgres, type PostgresHandle } from './support/postgres';
import { call, newUser, startTestDirectory, type TestDirectory } from './support/harness';

const pg: PostgresHandle | null = await startPostgres();
let t: TestDirectory;
let schema: string;

beforeAll(async () => {
  if (!pg) return;
  schema = freshSchema();
  const repo = await openPostgres(pg.url, { schema, maxConnections: 20 });
  t = await startTestDirectory({ repo, config: { prekeys: { claimsPerMinute: 10_000 } } });
});
afterAll(async () => {
  await t?.close();
  if (pg) {
    await dropSchema(pg.url, schema);
    await pg.stop();
  }
});

describe.skipIf(!pg)('directory API on PostgreSQL', () => {
  it('publishes, supersedes and finds cards with virgil-sdk, and hands each one-time prekey out once', async () => {
    const [alice, bob] = await Promise.all([newUser(t, 'alice'), newUser(t, 'bob')]);
    const k1 = alice.newKeys();
    const k2 = alice.newKeys();
    const k3 = alice.newKeys();
    const c1 = await alice.cards.publishCard({ privateKey: k1.privateKey, publicKey: k1.publicKey });
    const c2 = await alice.cards.publishCard({ privateKey: k2.privateKey, publicKey: k2.publicKey });
    const c3 = await alice.cards.publishCard({ privateKey: k3.privateKey, publicKey: k3.publicKey, previousCardId: c1.id });
    expect((await bob.cards.searchCards('alice')).map((c) => c.id).sort()).toEqual([c2.id, c3.id].sort());
    expect((await bob.cards.getCard(c1.id)).isOutdated).toBe(true);

    const sign = (kind: PrekeyKind, keyId: number) => {
      const publicKey = randomBytes(32);
      const createdAt = Date.now();
      const signature = t.crypto.calculateSignature(prekeySignedBytes(kind, c2.id, keyId, createdAt, publicKey), k2.privateKey);
      return { keyId, publicKey: publicKey.toString('base64'), createdAt, signature: signature.toString('base64') };
    };
    const up = await call(t.url, 'PUT', `/v1/cards/${c2.id}/prekeys`, {
      token: alice.token, body: { signedPrekey: sign(PrekeyKind.Signed, 0), oneTimePrekeys: Array.from({ length: 50 }, (_, i) => sign(PrekeyKind.OneTime, i + 1)) },
    });
    expect(up.body.oneTimeCount).toBe(50);
    const results = await Promise.all(Array.from({ length: 80 }, () =>
      call(t.url, 'POST', '/v1/prekeys/actions/claim', { token: bob.token, body: { identity: 'alice' } })));
    const ids = results.map((r) => r.body.bundles[0]?.oneTimePrekey?.keyId).filter((k) => k !== undefined);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);

    const backup = await Promise.all([1, 2].map(() => call(t.url, 'PUT', '/v1/backup', {
      token: alice.token, body: { blob: randomBytes(32).toString('base64') }, headers: { 'if-none-match': '*' },
    })));
    expect(backup.map((r) => r.status).sort()).toEqual([200, 412]);
  });
});
