/** Backups, mailbox and org archive, with the authorisation matrix: nobody touches another identity's data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { call, newUser, startTestDirectory, type TestDirectory, type TestUser } from './support/harness';

let t: TestDirectory;
let alice: TestUser;
let bob: TestUser;
let aliceCard: string;
let aliceCard2: string;
let bobCard: string;

async function publish(user: TestUser): Promise<string> {
  const keys = user.newKeys();
  return (await user.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey })).id;
}

beforeAll(async () => {
  t = await startTestDirectory({
    config: { mailbox: { maxEnvelopes: 6, maxPerSender: 4 }, adminToken: 'admin-secret-token' },
  });
  [alice, bob] = await Promise.all([newUser(t, 'alice'), newUser(t, 'bob')]);
  aliceCard = await publish(alice);
  aliceCard2 = await publish(alice);
  bobCard = await publish(bob);
});
afterAll(async () => {
  await t?.close();
});

const blob = (n = 64) => randomBytes(n).toString('base64');

describe('backup', () => {
  it('creates with If-None-Match, replaces with If-Match, refuses blind or stale writes', async () => {
    expect((await call(t.url, 'GET', '/v1/backup', { token: alice.token })).status).toBe(404);
    const b1 = blob();
    expect(await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: b1 } })).toMatchObject({ status: 428, body: { code: 'PreconditionRequired' } });
    const created = await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: b1 }, headers: { 'if-none-match': '*' } });
    expect(created).toMatchObject({ status: 200, body: { version: 1 } });
    expect(created.headers.get('etag')).toBe('"1"');
    const again = await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: blob() }, headers: { 'if-none-match': '*' } });
    expect(again).toMatchObject({ status: 412, body: { code: 'PreconditionFailed' } });

    const got = await call(t.url, 'GET', '/v1/backup', { token: alice.token });
    expect(got.body).toEqual({ version: 1, blob: b1 });
    expect(got.headers.get('etag')).toBe('"1"');

    // Two devices replace the same version: exactly one wins, the other gets 412.
    const [p, q] = await Promise.all([blob(), blob()].map((b) =>
      call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: b }, headers: { 'if-match': '"1"' } })));
    expect([p!.status, q!.status].sort()).toEqual([200, 412]);
    expect((await call(t.url, 'GET', '/v1/backup', { token: alice.token })).body.version).toBe(2);

    const tooBig = await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: blob(256 * 1024 + 3) }, headers: { 'if-match': '"2"' } });
    expect(tooBig).toMatchObject({ status: 413, body: { code: 'TooLarge' } });
    const notBase64 = await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: 'not base64!' }, headers: { 'if-match': '"2"' } });
    expect(notBase64.status).toBe(400);

    expect((await call(t.url, 'DELETE', '/v1/backup', { token: alice.token })).status).toBe(428);
    expect((await call(t.url, 'DELETE', '/v1/backup', { token: alice.token, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await call(t.url, 'DELETE', '/v1/backup', { token: alice.token, headers: { 'if-match': '"2"' } })).status).toBe(204);
    expect((await call(t.url, 'GET', '/v1/backup', { token: alice.token })).status).toBe(404);
  });

  it('keeps each identity\'s backup to itself', async () => {
    const mine = blob();
    await call(t.url, 'PUT', '/v1/backup', { token: bob.token, body: { blob: mine }, headers: { 'if-none-match': '*' } });
    // Alice's reads and writes only ever touch her own backup.
    expect((await call(t.url, 'GET', '/v1/backup', { token: alice.token })).status).toBe(404);
    await call(t.url, 'PUT', '/v1/backup', { token: alice.token, body: { blob: blob() }, headers: { 'if-none-match': '*' } });
    await call(t.url, 'DELETE', '/v1/backup', { token: alice.token, headers: { 'if-match': '"1"' } });
    expect((await call(t.url, 'GET', '/v1/backup', { token: bob.token })).body).toEqual({ version: 1, blob: mine });
    expect((await call(t.url, 'GET', '/v1/backup')).status).toBe(401);
    expect((await call(t.url, 'PUT', '/v1/backup', { body: { blob: mine }, headers: { 'if-none-match': '*' } })).status).toBe(401);
  });
});

describe('mailbox', () => {
  it('delivers envelopes from an active card of the sender to the recipient card owner', async () => {
    const env = blob(100);
    const posted = await call(t.url, 'POST', `/v1/mailbox/${aliceCard}`, { token: bob.token, body: { senderCardId: bobCard, seq: 1, envelope: env } });
    expect(posted.status).toBe(201);
    expect(posted.body.id).toMatch(/^\d+$/);
    const fetched = await call(t.url, 'GET', `/v1/mailbox/${aliceCard}`, { token: alice.token });
    expect(fetched.body.envelopes).toEqual([{ id: posted.body.id, senderIdentity: 'bob', senderCardId: bobCard, seq: 1, envelope: env, createdAt: expect.any(Number) }]);
    // Another card of alice has its own mailbox.
    expect((await call(t.url, 'GET', `/v1/mailbox/${aliceCard2}`, { token: alice.token })).body.envelopes).toEqual([]);
    expect(await call(t.url, 'POST', `/v1/mailbox/${aliceCard}/ack`, { token: alice.token, body: { ids: [posted.body.id] } })).toMatchObject({ status: 200, body: { acked: 1 } });
    expect((await call(t.url, 'GET', `/v1/mailbox/${aliceCard}`, { token: alice.token })).body.envelopes).toEqual([]);
  });

  it('enforces who may post, read and ack', async () => {
    const posted = await call(t.url, 'POST', `/v1/mailbox/${aliceCard}`, { token: bob.token, body: { senderCardId: bobCard, seq: 2, envelope: blob() } });
    expect(posted.status).toBe(201);
    // Bob cannot read or ack alice's mailbox.
    expect((await call(t.url, 'GET', `/v1/mailbox/${aliceCard}`, { token: bob.token })).status).toBe(403);
    expect((await call(t.url, 'POST', `/v1/mailbox/${aliceCard}/ack`, { token: bob.token, body: { ids: [posted.body.id] } })).status).toBe(403);
    // Acking someone else's envelope id through your own mailbox does nothing.
    expect((await call(t.url, 'POST', `/v1/mailbox/${bobCard}/ack`, { token: bob.token, body: { ids: [posted.body.id] } })).body.acked).toBe(0);
    // Bob cannot post as alice's card.
    const spoof = await call(t.url, 'POST', `/v1/mailbox/${bobCard}`, { token: bob.token, body: { senderCardId: aliceCard, seq: 1, envelope: blob() } });
    expect(spoof).toMatchObject({ status: 403, body: { code: 'Forbidden' } });
    // Unknown recipient, no token, bad base64.
    expect((await call(t.url, 'POST', `/v1/mailbox/${'c'.repeat(64)}`, { token: bob.token, body: { senderCardId: bobCard, seq: 3, envelope: blob() } })).status).toBe(404);
    expect((await call(t.url, 'GET', `/v1/mailbox/${aliceCard}`)).status).toBe(401);
    expect((await call(t.url, 'POST', `/v1/mailbox/${aliceCard}`, { token: bob.token, body: { senderCardId: bobCard, seq: 3, envelope: '@@@' } })).status).toBe(400);
    expect((await call(t.url, 'POST', `/v1/mailbox/${aliceCard}`, { token: bob.token, body: { senderCardId: bobCard, seq: 3, envelope: blob(64 * 1024 + 1) } })).status).toBe(413);
    const ids = (await call(t.url, 'GET', `/v1/mailbox/${aliceCard}`, { token: alice.token })).body.envelopes.map((e: { id: string }) => e.id);
    await call(t.url, 'POST', `/v1/mailbox/${aliceCard}/ack`, { token: alice.token, body: { ids } });
  });

  it('refuses past the per-sender quota (429) and when full (507), never dropping old envelopes; repeated seq is 409', async () => {
    const carol = await newUser(t, 'carol');
    const carolCard = await publish(carol);
    const post = (u: TestUser, card: string, seq: number) =>
      call(t.url, 'POST', `/v1/mailbox/${aliceCard2}`, { token: u.token, body: { senderCardId: card, seq, envelope: blob(10) } });
    for (let seq = 1; seq <= 4; seq++) expect((await post(bob, bobCard, seq)).status).toBe(201);
    expect(await post(bob, bobCard, 5)).toMatchObject({ status: 429, body: { code: 'RateLimited' } });
    expect((await post(carol, carolCard, 1)).status).toBe(201);
    expect((await post(carol, carolCard, 1)).status).toBe(409);
    expect((await post(carol, carolCard, 2)).status).toBe(201);
    expect(await post(carol, carolCard, 3)).toMatchObject({ status: 507, body: { code: 'StorageFull' } });
    const all = (await call(t.url, 'GET', `/v1/mailbox/${aliceCard2}`, { token: alice.token })).body.envelopes;
    expect(all.map((e: { senderIdentity: string; seq: number }) => `${e.senderIdentity}:${e.seq}`))
      .toEqual(['bob:1', 'bob:2', 'bob:3', 'bob:4', 'carol:1', 'carol:2']);
    // Paging with after/limit.
    const page = await call(t.url, 'GET', `/v1/mailbox/${aliceCard2}?after=${all[1].id}&limit=2`, { token: alice.token });
    expect(page.body.envelopes.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    expect((await call(t.url, 'GET', `/v1/mailbox/${aliceCard2}?limit=0`, { token: alice.token })).status).toBe(400);
    await call(t.url, 'POST', `/v1/mailbox/${aliceCard2}/ack`, { token: alice.token, body: { ids: [all[0].id] } });
    expect((await post(carol, carolCard, 3)).status).toBe(201);
  });
});

describe('org archive', () => {
  it('accepts blobs from any user and lists them only for the admin token', async () => {
    const a = await call(t.url, 'POST', '/v1/archive', { token: alice.token, body: { conversationId: 'room-1', messageDigest: 'd1', blob: blob() } });
    expect(a.status).toBe(201);
    await call(t.url, 'POST', '/v1/archive', { token: bob.token, body: { conversationId: 'room-2', messageDigest: 'd2', blob: blob() } });
    expect((await call(t.url, 'POST', '/v1/archive', { body: { conversationId: 'room-1', messageDigest: 'd', blob: blob() } })).status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/archive', { token: alice.token })).status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/archive', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const listed = await call(t.url, 'GET', '/v1/archive?conversationId=room-1', { headers: { authorization: 'Bearer admin-secret-token' } });
    expect(listed.status).toBe(200);
    expect(listed.body.entries).toHaveLength(1);
    expect(listed.body.entries[0]).toMatchObject({ id: a.body.id, conversationId: 'room-1', messageDigest: 'd1', authorIdentity: 'alice' });
    const noAdmin = await startTestDirectory();
    try {
      expect((await call(noAdmin.url, 'GET', '/v1/archive', { headers: { authorization: 'Bearer x' } })).status).toBe(403);
    } finally {
      await noAdmin.close();
    }
  });
});
