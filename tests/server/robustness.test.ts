/** Property test: arbitrary JSON on every route, as an authenticated user, never gets a 5xx. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { call, newUser, startTestDirectory, type TestDirectory, type TestUser } from './support/harness';

let t: TestDirectory;
let alice: TestUser;
let cardId: string;

beforeAll(async () => {
  t = await startTestDirectory({ config: { prekeys: { claimsPerMinute: 100_000 }, adminToken: 'admin' } });
  alice = await newUser(t, 'alice');
  const keys = alice.newKeys();
  cardId = (await alice.cards.publishCard({ privateKey: keys.privateKey, publicKey: keys.publicKey })).id;
});
afterAll(async () => {
  await t?.close();
});

const routes = () => [
  ['POST', '/v1/accounts'], ['POST', '/v1/session'], ['POST', '/card/v5'], ['POST', '/card/v5/actions/search'],
  ['POST', `/card/v5/actions/revoke/${'f'.repeat(64)}`], ['PUT', `/v1/cards/${cardId}/prekeys`],
  ['POST', '/v1/prekeys/actions/claim'], ['PUT', '/v1/backup'], ['POST', `/v1/mailbox/${cardId}`],
  ['POST', `/v1/mailbox/${cardId}/ack`], ['POST', '/v1/archive'],
] as const;

/** JSON that looks a bit like our bodies, so validation passes sometimes and deeper code runs. */
const field = fc.oneof(
  fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.base64String(), fc.constant('A'.repeat(90)), fc.array(fc.string(), { maxLength: 3 }),
  fc.record({ keyId: fc.integer(), publicKey: fc.base64String(), createdAt: fc.integer(), signature: fc.base64String() }),
  fc.array(fc.record({ signer: fc.string(), signature: fc.base64String(), snapshot: fc.option(fc.base64String()) }), { maxLength: 3 }),
);
const body = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom('identity', 'password', 'invite', 'content_snapshot', 'signatures', 'identities', 'signedPrekey',
      'oneTimePrekeys', 'blob', 'senderCardId', 'seq', 'envelope', 'ids', 'conversationId', 'messageDigest'),
    field,
  ),
);

describe('robustness', () => {
  it('answers arbitrary JSON bodies on every route with a JSON 2xx/4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes().length - 1 }), body, fc.boolean(), async (i, payload, ifMatch) => {
        const [method, path] = routes()[i]!;
        const r = await call(t.url, method, path, {
          token: alice.token, body: payload, headers: ifMatch ? { 'if-match': '"1"' } : { 'if-none-match': '*' },
        });
        expect(r.status, `${method} ${path} ${JSON.stringify(payload).slice(0, 200)}`).toBeLessThan(500);
        if (r.status >= 400) expect(r.body).toHaveProperty('code');
      }),
      { numRuns: 400 },
    );
  });

  it('answers arbitrary paths and query strings without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), fc.webPath(), fc.webQueryParameters(), async (method, path, query) => {
        const r = await call(t.url, method, `/v1${path}?${query}`, { token: alice.token });
        expect(r.status).toBeLessThan(500);
        const m = await call(t.url, 'GET', `/v1/mailbox/${cardId}?${query}`, { token: alice.token });
        expect(m.status).toBeLessThan(500);
        const a = await call(t.url, 'GET', `/v1/archive?${query}`, { headers: { authorization: 'Bearer admin' } });
        expect(a.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
