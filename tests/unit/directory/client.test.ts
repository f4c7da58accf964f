import { describe, expect, it } from 'vitest';
import { DirectoryClient, InMemoryOutbox, type FetchLike } from '../../../lib/directory/client';
import { ErrorCode, isError } from '../../../lib/errors';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

type Handler = (req: Seen) => Response | Promise<Response> | 'network-error' | 'hang';

/** A fake directory: answers each request with the next handler (or the last one, repeatedly). */
function fakeFetch(...handlers: Handler[]) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    const req: Seen = {
      method: init.method ?? 'GET',
      url,
      headers: init.headers as Record<string, string>,
      body: init.body ? JSON.parse(init.body as string) : undefined,
    };
    seen.push(req);
    const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)]!;
    const out = handler(req);
    if (out === 'network-error') throw new TypeError('fetch failed');
    if (out === 'hang') {
      return new Promise<Response>((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    }
    return out;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** Routes session requests to a token; everything else to `rest`. */
function withSession(rest: Handler, tokens = { n: 0 }, ttlMs = 3_600_000, now = () => 0): Handler {
  return (req) => {
    if (req.url.endsWith('/v1/session')) {
      tokens.n++;
      return json(200, { token: `jwt-${tokens.n}`, expiresAt: now() + ttlMs });
    }
    return rest(req);
  };
}

function client(fetch: FetchLike, extra: Partial<ConstructorParameters<typeof DirectoryClient>[0]> = {}) {
  const sleeps: number[] = [];
  const clock = { t: 0, now() { return this.t; } };
  const c = new DirectoryClient({
    baseUrl: 'http://dir.test/',
    fetch,
    clock,
    credentials: async () => ({ identity: 'alice', password: 'pw-alice-123' }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    timeoutMs: 5_000,
    ...extra,
  });
  return { c, sleeps, clock };
}

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isError(e) ? e.code : String(e);
  }
}

describe('directory client', () => {
  it('retries an idempotent GET on 5xx and network errors with growing backoff, then succeeds', async () => {
    let n = 0;
    const { fetch, seen } = fakeFetch(
      withSession(() => {
        n++;
        if (n === 1) return json(503, { code: 'Internal', message: 'busy' });
        if (n === 2) return 'network-error';
        return json(200, { oneTimeCount: 42, signedPrekey: null });
      }),
    );
    const { c, sleeps } = client(fetch);
    expect(await c.prekeyStatus('ab'.repeat(32))).toEqual({ oneTimeCount: 42, signedPrekey: null });
    expect(n).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    expect(seen.filter((s) => s.url.endsWith('/status')).every((s) => s.headers.Authorization === 'Virgil jwt-1')).toBe(true);
    expect(c.connectivity().online).toBe(true);
  });

  it('gives up after the retry budget with a Network error', async () => {
    const { fetch, seen } = fakeFetch(withSession(() => 'network-error'));
    const { c, sleeps } = client(fetch, { retries: 2 });
    expect(await codeOf(c.fetchMailbox('ab'.repeat(32)))).toBe(ErrorCode.Network);
    expect(seen.filter((s) => s.url.includes('/mailbox/'))).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(c.connectivity()).toMatchObject({ online: false, lastError: { code: ErrorCode.Network } });
  });

  it('never retries a prekey claim (it consumes one-time keys)', async () => {
    const { fetch, seen } = fakeFetch(withSession(() => json(502, { code: 'x', message: 'bad gateway' })));
    const { c } = client(fetch);
    expect(await codeOf(c.claimPrekeys('bob'))).toBe(ErrorCode.Network);
    expect(seen.filter((s) => s.url.endsWith('/claim'))).toHaveLength(1);
  });

  it('times out a request that never answers and reports offline', async () => {
    const { fetch } = fakeFetch(() => 'hang');
    const { c } = client(fetch, { timeoutMs: 40, retries: 0 });
    const started = Date.now();
    expect(await codeOf(c.health())).toBe(ErrorCode.Network);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(c.connectivity().online).toBe(false);
    expect(c.connectivity().lastError?.message).toContain('40 ms');
  });

  it('honours Retry-After on 429 for idempotent calls', async () => {
    let n = 0;
    const { fetch } = fakeFetch(
      withSession(() => (++n === 1 ? json(429, { code: 'RateLimited', message: 'slow down' }, { 'Retry-After': '3' }) : json(200, { acked: 1 }))),
    );
    const { c, sleeps } = client(fetch);
    expect(await c.ackMailbox('ab'.repeat(32), ['1'])).toEqual({ acked: 1 });
    expect(sleeps[0]).toBe(3_000);
  });

  it('caches the JWT, renews it before expiry, and re-authenticates once on an expired-token 401', async () => {
    const tokens = { n: 0 };
    let calls = 0;
    const clockRef = { t: 0 };
    const { fetch } = fakeFetch(
      withSession(
        (req) => {
          calls++;
          if (calls === 3 && req.headers.Authorization === 'Virgil jwt-2') return json(401, { code: 20304, message: 'expired' });
          return json(200, { oneTimeCount: 1, signedPrekey: null });
        },
        tokens,
        600_000,
        () => clockRef.t,
      ),
    );
    const { c, clock } = client(fetch);
    await c.prekeyStatus('ab'.repeat(32));
    await c.prekeyStatus('ab'.repeat(32));
    expect(tokens.n).toBe(1);
    clock.t = clockRef.t = 590_000; // within the renewal margin
    await c.prekeyStatus('ab'.repeat(32)); // renews -> jwt-2, gets 401 20304 -> jwt-3 -> ok
    expect(tokens.n).toBe(3);
    expect(calls).toBe(4);
  });

  it('a 401 that persists after re-authentication is thrown, not looped', async () => {
    const { fetch, seen } = fakeFetch(withSession(() => json(401, { code: 'Unauthenticated', message: 'no' })));
    const { c } = client(fetch);
    expect(await codeOf(c.prekeyStatus('ab'.repeat(32)))).toBe(ErrorCode.Unauthenticated);
    expect(seen.filter((s) => s.url.endsWith('/status'))).toHaveLength(2);
  });

  it('backup uses If-None-Match for create and If-Match for replace; 412 maps to PreconditionFailed', async () => {
    const { fetch, seen } = fakeFetch(
      withSession((req) => (req.headers['If-Match'] === '"3"' ? json(412, { code: 'PreconditionFailed', message: 'moved' }) : json(200, { version: 1 }))),
    );
    const { c } = client(fetch);
    expect(await c.putBackup('YmxvYg==', 'none')).toEqual({ version: 1 });
    expect(await codeOf(c.putBackup('YmxvYg==', 3))).toBe(ErrorCode.PreconditionFailed);
    const puts = seen.filter((s) => s.method === 'PUT');
    expect(puts[0]!.headers['If-None-Match']).toBe('*');
    expect(puts[1]!.headers['If-Match']).toBe('"3"');
    expect(puts).toHaveLength(2); // 412 is final, not retried
  });

  it('getBackup returns undefined on 404', async () => {
    const { fetch } = fakeFetch(withSession(() => json(404, { code: 'NotFound', message: 'none' })));
    expect(await client(fetch).c.getBackup()).toBeUndefined();
  });

  it('queues what can wait while offline and replays it in order once the directory answers', async () => {
    let up = false;
    const posted: string[] = [];
    const { fetch } = fakeFetch(
      withSession((req) => {
        if (!up) return 'network-error';
        if (req.url.includes('/v1/mailbox/')) posted.push((req.body as { envelope: string }).envelope);
        if (req.url.endsWith('/healthz')) return json(200, { ok: true });
        return json(201, { id: String(posted.length) });
      }),
    );
    const outbox = new InMemoryOutbox();
    const { c } = client(fetch, { outbox, retries: 0 });
    const card = 'cd'.repeat(32);
    for (const e of ['ZTE=', 'ZTI=', 'ZTM=']) {
      expect(await c.sendOrQueue({ kind: 'mailbox', recipientCardId: card, body: { senderCardId: card, seq: 1, envelope: e } })).toEqual({ queued: true });
    }
    expect(c.connectivity()).toMatchObject({ online: false, queued: 3 });
    up = true;
    await c.health();
    await c.flush();
    expect(posted).toEqual(['ZTE=', 'ZTI=', 'ZTM=']);
    expect(c.connectivity()).toMatchObject({ online: true, queued: 0 });
    expect(await outbox.list()).toEqual([]);
  });

  it('a permanent refusal during replay is dropped instead of blocking the queue', async () => {
    let up = false;
    const { fetch } = fakeFetch(
      withSession((req) => {
        if (!up) return 'network-error';
        const env = (req.body as { envelope?: string } | undefined)?.envelope;
        return env === 'YmFk' ? json(404, { code: 'NotFound', message: 'card revoked' }) : json(201, { id: '1' });
      }),
    );
    const { c } = client(fetch, { retries: 0 });
    const card = 'cd'.repeat(32);
    await c.sendOrQueue({ kind: 'mailbox', recipientCardId: card, body: { senderCardId: card, seq: 1, envelope: 'YmFk' } });
    await c.sendOrQueue({ kind: 'archive', body: { conversationId: 'c', messageDigest: 'd', blob: 'Z29vZA==' } });
    up = true;
    expect(await c.flush()).toBe(2);
    expect(c.connectivity().queued).toBe(0);
  });

  it('reads the base URL on every request (a policy change applies at once)', async () => {
    let base = 'http://one.test';
    const { fetch, seen } = fakeFetch(() => json(200, { ok: true }));
    const { c } = client(fetch, { baseUrl: () => base });
    await c.health();
    base = 'http://two.test/';
    await c.health();
    expect(seen.map((s) => s.url)).toEqual(['http://one.test/healthz', 'http://two.test/healthz']);
  });

  it('maps error bodies to codes and never leaks non-JSON pages', async () => {
    const { fetch } = fakeFetch(
      () => json(409, { code: 'Conflict', message: 'identity taken' }),
      () => new Response('<html>proxy</html>', { status: 403 }),
    );
    const { c } = client(fetch);
    expect(await codeOf(c.createAccount({ identity: 'a', password: 'longenough' }))).toBe(ErrorCode.Conflict);
    expect(await codeOf(c.createAccount({ identity: 'a', password: 'longenough' }))).toBe(ErrorCode.Forbidden);
  });
});
