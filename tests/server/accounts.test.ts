/** Accounts, sessions, registration modes, login rate limits, malformed input, CORS, OpenAPI, logs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jwt } from 'virgil-sdk';
import { createInvite } from '../../server/core/accounts';
import { call, newUser, startTestDirectory, type TestDirectory } from './support/harness';

let t: TestDirectory;
beforeAll(async () => {
  t = await startTestDirectory();
});
afterAll(async () => {
  await t?.close();
});

describe('accounts and sessions', () => {
  it('creates an account with a normalised identity and refuses duplicates', async () => {
    const created = await call(t.url, 'POST', '/v1/accounts', { body: { identity: '  Frank@Example.org ', password: 'long enough pw' } });
    expect(created).toMatchObject({ status: 201, body: { identity: 'frank@example.org' } });
    const again = await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'frank@example.org', password: 'other password' } });
    expect(again).toMatchObject({ status: 409, body: { code: 'Conflict' } });
    for (const identity of ['', 'has space', 'x'.repeat(129), 'caf\u00e9']) {
      const bad = await call(t.url, 'POST', '/v1/accounts', { body: { identity, password: 'long enough pw' } });
      expect(bad.status, identity).toBe(400);
    }
    const short = await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'shorty', password: 'short' } });
    expect(short.status).toBe(400);
  });

  it('issues a Virgil JWT for the account identity', async () => {
    await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'gina', password: 'gina password' } });
    const before = Date.now();
    const s = await call(t.url, 'POST', '/v1/session', { body: { identity: 'GINA', password: 'gina password' } });
    expect(s.status).toBe(200);
    const jwt = Jwt.fromString(s.body.token);
    expect(jwt.identity()).toBe('gina');
    expect(jwt.header).toMatchObject({ alg: 'VEDS512', cty: 'virgil-jwt;v=1', typ: 'JWT' });
    expect(s.body.expiresAt).toBeGreaterThan(before + 3_500_000);
    expect(s.body.expiresAt).toBeLessThanOrEqual(before + 3_601_000);
  });

  it('answers 401 to wrong passwords and unknown identities, then rate-limits per identity', async () => {
    await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'hank', password: 'hank password' } });
    const unknown = await call(t.url, 'POST', '/v1/session', { body: { identity: 'nobody-here', password: 'whatever1' } });
    expect(unknown).toMatchObject({ status: 401, body: { code: 'WrongPassword' } });
    for (let i = 0; i < 10; i++) {
      const wrong = await call(t.url, 'POST', '/v1/session', { body: { identity: 'hank', password: `wrong ${i} pw` } });
      expect(wrong.status).toBe(401);
    }
    const limited = await call(t.url, 'POST', '/v1/session', { body: { identity: 'hank', password: 'hank password' } });
    expect(limited).toMatchObject({ status: 429, body: { code: 'RateLimited' } });
    expect(limited.headers.get('retry-after')).toBe('60');
    // Other identities from the same address are unaffected (address limit is higher).
    await call(t.url, 'POST', '/v1/accounts', { body: { identity: 'ivy', password: 'ivy password' } });
    expect((await call(t.url, 'POST', '/v1/session', { body: { identity: 'ivy', password: 'ivy password' } })).status).toBe(200);
  });

  it('rate-limits failed logins per address across identities', async () => {
    const local = await startTestDirectory({ config: { accounts: { registration: 'open', scrypt: { logN: 10, r: 8, p: 1 }, loginFailuresPerAddress: 5 } } });
    try {
      await newUser(local, 'jack');
      for (let i = 0; i < 5; i++) {
        expect((await call(local.url, 'POST', '/v1/session', { body: { identity: `x${i}`, password: 'wrong pw 1' } })).status).toBe(401);
      }
      const r = await call(local.url, 'POST', '/v1/session', { body: { identity: 'jack', password: 'correct horse battery' } });
      expect(r.status).toBe(429);
    } finally {
      await local.close();
    }
  });

  it('limits account creation per address', async () => {
    const local = await startTestDirectory({ config: { accounts: { registration: 'open', scrypt: { logN: 10, r: 8, p: 1 }, registrationsPerAddress: 2 } } });
    try {
      for (const identity of ['r1', 'r2']) {
        expect((await call(local.url, 'POST', '/v1/accounts', { body: { identity, password: 'password 123' } })).status).toBe(201);
      }
      const third = await call(local.url, 'POST', '/v1/accounts', { body: { identity: 'r3', password: 'password 123' } });
      expect(third).toMatchObject({ status: 429, body: { code: 'RateLimited' } });
    } finally {
      await local.close();
    }
  });

  it('honours registration modes closed and invite (one-time codes)', async () => {
    const closed = await startTestDirectory({ config: { accounts: { registration: 'closed' } } });
    try {
      const r = await call(closed.url, 'POST', '/v1/accounts', { body: { identity: 'kim', password: 'kim password' } });
      expect(r).toMatchObject({ status: 403, body: { code: 'Forbidden' } });
    } finally {
      await closed.close();
    }
    const invite = await startTestDirectory({ config: { accounts: { registration: 'invite', scrypt: { logN: 10, r: 8, p: 1 } } } });
    try {
      const none = await call(invite.url, 'POST', '/v1/accounts', { body: { identity: 'kim', password: 'kim password' } });
      expect(none.status).toBe(403);
      const code = await createInvite(invite.directory.repo, Date.now(), 60_000);
      const bad = await call(invite.url, 'POST', '/v1/accounts', { body: { identity: 'kim', password: 'kim password', invite: 'nope' } });
      expect(bad.status).toBe(403);
      const ok = await call(invite.url, 'POST', '/v1/accounts', { body: { identity: 'kim', password: 'kim password', invite: code } });
      expect(ok.status).toBe(201);
      const reused = await call(invite.url, 'POST', '/v1/accounts', { body: { identity: 'lee', password: 'lee password', invite: code } });
      expect(reused.status).toBe(403);
    } finally {
      await invite.close();
    }
  });
});

describe('the HTTP edge', () => {
  it('serves health, app identity and an OpenAPI document covering every route', async () => {
    expect(await call(t.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
    const app = await call(t.url, 'GET', '/v1/app');
    expect(app.body.appPublicKey).toBe(t.appPublicKey);
    expect(app.body.appId).toMatch(/^[0-9a-f]{32}$/);
    const doc = await call(t.url, 'GET', '/openapi.json');
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/card/v5', '/card/v5/{cardId}', '/card/v5/actions/search', '/card/v5/actions/revoke/{cardId}',
      '/v1/accounts', '/v1/session', '/v1/app', '/v1/cards/{cardId}/prekeys', '/v1/cards/{cardId}/prekeys/status',
      '/v1/prekeys/actions/claim', '/v1/backup', '/v1/mailbox/{cardId}', '/v1/mailbox/{cardId}/ack', '/v1/archive', '/healthz']) {
      expect(doc.body.paths, path).toHaveProperty([path]);
    }
  });

  it('answers malformed input with JSON 4xx, never 500', async () => {
    const user = await newUser(t, 'mallory');
    const cases: { name: string; req: Parameters<typeof call>; status: number }[] = [
      { name: 'invalid JSON', req: [t.url, 'POST', '/v1/accounts', { rawBody: '{"identity": ', headers: { 'content-type': 'application/json' } }], status: 400 },
      { name: 'JSON array body', req: [t.url, 'POST', '/v1/session', { body: [1, 2] }], status: 400 },
      { name: 'wrong types', req: [t.url, 'POST', '/v1/session', { body: { identity: 5, password: true } }], status: 400 },
      { name: 'empty JSON body', req: [t.url, 'POST', '/v1/session', { rawBody: '', headers: { 'content-type': 'application/json' } }], status: 400 },
      { name: 'text body', req: [t.url, 'POST', '/v1/session', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }], status: 400 },
      { name: 'unsupported media type', req: [t.url, 'POST', '/v1/session', { rawBody: '<a/>', headers: { 'content-type': 'application/xml' } }], status: 415 },
      { name: 'bad base64 snapshot', req: [t.url, 'POST', '/card/v5', { token: user.token, body: { content_snapshot: '!!not base64!!', signatures: [{ signer: 'self', signature: 'AAAA' }] } }], status: 400 },
      { name: 'snapshot not JSON', req: [t.url, 'POST', '/card/v5', { token: user.token, body: { content_snapshot: Buffer.from('nope').toString('base64'), signatures: [{ signer: 'self', signature: 'AAAA' }] } }], status: 400 },
      { name: 'snapshot not UTF-8', req: [t.url, 'POST', '/card/v5', { token: user.token, body: { content_snapshot: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), signatures: [{ signer: 'self', signature: 'AAAA' }] } }], status: 400 },
      { name: 'bad public key', req: [t.url, 'POST', '/card/v5', { token: user.token, body: { content_snapshot: Buffer.from(JSON.stringify({ identity: 'mallory', public_key: 'AAAA', version: '5.0', created_at: 1 })).toString('base64'), signatures: [{ signer: 'self', signature: 'AAAA' }] } }], status: 400 },
      { name: 'oversize body', req: [t.url, 'POST', '/card/v5', { token: user.token, body: { content_snapshot: 'A'.repeat(600_000), signatures: [] } }], status: 413 },
      { name: 'bad card id', req: [t.url, 'GET', '/card/v5/not-a-card', { token: user.token }], status: 400 },
      { name: 'unknown card', req: [t.url, 'GET', `/card/v5/${'a'.repeat(64)}`, { token: user.token }], status: 404 },
      { name: 'unknown route', req: [t.url, 'GET', '/v2/nothing'], status: 404 },
      { name: 'wrong method', req: [t.url, 'DELETE', '/card/v5'], status: 404 },
      { name: 'no token', req: [t.url, 'POST', '/card/v5/actions/search', { body: { identities: ['a'] } }], status: 401 },
      { name: 'garbage token', req: [t.url, 'POST', '/card/v5/actions/search', { token: 'a.b.c', body: { identities: ['a'] } }], status: 401 },
      { name: 'not a JWT', req: [t.url, 'POST', '/card/v5/actions/search', { token: 'xyz', body: { identities: ['a'] } }], status: 401 },
      { name: 'bad mailbox limit', req: [t.url, 'GET', `/v1/mailbox/${'a'.repeat(64)}?limit=abc`, { token: user.token }], status: 400 },
      { name: 'bad If-Match', req: [t.url, 'PUT', '/v1/backup', { token: user.token, body: { blob: 'AAAA' }, headers: { 'if-match': 'banana' } }], status: 400 },
      { name: 'bad URL encoding', req: [t.url, 'GET', '/card/v5/%E0%A4%A', { token: user.token }], status: 400 },
    ];
    for (const c of cases) {
      const r = await call(...c.req);
      expect(r.status, c.name).toBe(c.status);
      expect(typeof r.body, c.name).toBe('object');
      expect(r.body, c.name).toHaveProperty('code');
      expect(r.body, c.name).toHaveProperty('message');
    }
    // A token signed by another directory's app key is refused.
    const other = await startTestDirectory();
    try {
      const foreign = await newUser(other, 'mallory');
      const r = await call(t.url, 'POST', '/card/v5/actions/search', { token: foreign.token, body: { identities: ['a'] } });
      expect(r).toMatchObject({ status: 401, body: { code: 'Unauthenticated' } });
    } finally {
      await other.close();
    }
  });

  it('allows CORS from extension origins only', async () => {
    const preflight = (origin: string) => fetch(`${t.url}/v1/backup`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,if-match,content-type' },
    });
    const chrome = await preflight('chrome-extension://abcdefghijklmnop');
    expect(chrome.headers.get('access-control-allow-origin')).toBe('chrome-extension://abcdefghijklmnop');
    expect(chrome.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-match');
    const firefox = await preflight('moz-extension://1234-5678');
    expect(firefox.headers.get('access-control-allow-origin')).toBe('moz-extension://1234-5678');
    const web = await preflight('https://evil.example');
    expect(web.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never logs tokens or passwords', async () => {
    const password = 'Very-Secret-Password-42';
    const user = await newUser(t, 'nina', password);
    await call(t.url, 'POST', '/card/v5/actions/search', { token: user.token, body: { identities: ['nina'] } });
    await call(t.url, 'POST', '/v1/session', { body: { identity: 'nina', password: 'Wrong-Secret-Password' } });
    const logs = t.logs.join('');
    expect(logs).toContain('"url":"/v1/session"');
    expect(logs).not.toContain(password);
    expect(logs).not.toContain('Wrong-Secret-Password');
    expect(logs).not.toContain(user.token);
    expect(logs).not.toContain(user.token.split('.')[2]!);
  });
});
