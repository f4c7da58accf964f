/**
 * Fetch-based client for the directory's NON-card routes (accounts, session/JWT, prekeys, backup, mailbox, archive).
 * Card routes go through virgil-sdk's CardManager (lib/cards), which can reuse `authHeader()` from here.
 *
 * - Every request has a timeout (AbortController).
 * - Idempotent calls (GET, PUT, DELETE with If-Match, ack) retry with jittered exponential backoff on network
 *   errors, timeouts, 5xx and 429; non-idempotent calls (claim, mailbox post, account creation) never retry
 *   blindly: a claim retried after a lost answer would burn one-time prekeys.
 * - A 401 drops the cached JWT, fetches a new one and retries once.
 * - Connectivity: a network failure marks the client offline; any answer marks it online again and flushes the
 *   outbox (what can wait: mailbox posts, archive copies, acks), in order, persisted through `OutboxStore`.
 *
 *   const dir = new DirectoryClient({ baseUrl: () => config.directoryUrl, fetch, clock, credentials });
 *   const { oneTimeCount } = await dir.prekeyStatus(cardId);
 */
import { ErrorCode, OvercryptError, isError } from '../errors';
import {
  DirectoryRoutes,
  TOKEN_EXPIRED_CODE,
  type AckResponse,
  type AppInfo,
  type ArchiveRequest,
  type BackupResponse,
  type ClaimPrekeysRequest,
  type ClaimPrekeysResponse,
  type CreateAccountRequest,
  type CreateAccountResponse,
  type FetchMailboxResponse,
  type PostEnvelopeRequest,
  type PostEnvelopeResponse,
  type PrekeyStatus,
  type PutBackupResponse,
  type SessionResponse,
  type UploadPrekeysRequest,
  type UploadPrekeysResponse,
} from './wire';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Credentials {
  identity: string;
  password: string;
}

/** A request that can wait for the network; replayed in order by `flush()`. */
export type DeferredRequest =
  | { kind: 'mailbox'; recipientCardId: string; body: PostEnvelopeRequest }
  | { kind: 'archive'; body: ArchiveRequest }
  | { kind: 'ack'; cardId: string; ids: string[] };

export interface QueuedRequest {
  id: string;
  request: DeferredRequest;
  queuedAt: number;
}

/** Persistence of the outbox (the service backs it with the sealed `outbox` store). */
export interface OutboxStore {
  list(): Promise<QueuedRequest[]>;
  add(item: QueuedRequest): Promise<void>;
  remove(id: string): Promise<void>;
}

export class InMemoryOutbox implements OutboxStore {
  private items: QueuedRequest[] = [];
  async list() {
    return [...this.items];
  }
  async add(item: QueuedRequest) {
    this.items.push(item);
  }
  async remove(id: string) {
    this.items = this.items.filter((i) => i.id !== id);
  }
}

export interface Connectivity {
  online: boolean;
  lastError?: { code: string; message: string };
  queued: number;
}

export interface DirectoryClientOptions {
  /** Read on every request, so a policy change of the URL applies at once. */
  baseUrl: string | (() => string);
  fetch: FetchLike;
  clock: { now(): number };
  /** The account's credentials (sealed in the keystore); undefined when not signed in. */
  credentials: () => Promise<Credentials | undefined>;
  outbox?: OutboxStore;
  timeoutMs?: number;
  /** Extra attempts for idempotent calls. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onConnectivity?: (c: Connectivity) => void;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth: boolean;
  idempotent: boolean;
}

/** A token is renewed this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

export class DirectoryClient {
  private token: SessionResponse | undefined;
  private tokenFor: string | undefined;
  private online = true;
  private lastError: Connectivity['lastError'];
  private queued = 0;
  private flushing: Promise<number> | undefined;
  private readonly outbox: OutboxStore;

  constructor(private readonly o: DirectoryClientOptions) {
    this.outbox = o.outbox ?? new InMemoryOutbox();
  }

  // ---- public routes
  health(): Promise<{ ok: boolean }> {
    return this.request({ method: 'GET', path: DirectoryRoutes.health, auth: false, idempotent: true });
  }
  app(): Promise<AppInfo> {
    return this.request({ method: 'GET', path: DirectoryRoutes.app, auth: false, idempotent: true });
  }
  createAccount(body: CreateAccountRequest): Promise<CreateAccountResponse> {
    return this.request({ method: 'POST', path: DirectoryRoutes.accounts, body, auth: false, idempotent: false });
  }

  // ---- session
  /** `Authorization` header value for authenticated calls (also for virgil-sdk's card client). */
  async authHeader(): Promise<string> {
    return `Virgil ${await this.sessionToken()}`;
  }
  /** The cached JWT, renewed shortly before expiry. */
  async sessionToken(): Promise<string> {
    const creds = await this.o.credentials();
    if (!creds) throw new OvercryptError(ErrorCode.NotRegistered, 'no directory account on this browser');
    const now = this.o.clock.now();
    if (this.token && this.tokenFor === creds.identity && this.token.expiresAt - TOKEN_MARGIN_MS > now) {
      return this.token.token;
    }
    const fresh = await this.request<SessionResponse>({
      method: 'POST',
      path: DirectoryRoutes.session,
      body: { identity: creds.identity, password: creds.password },
      auth: false,
      idempotent: true, // issuing a token has no side effect worth protecting
    });
    this.token = fresh;
    this.tokenFor = creds.identity;
    return fresh.token;
  }
  forgetSession(): void {
    this.token = undefined;
    this.tokenFor = undefined;
  }

  // ---- prekeys
  uploadPrekeys(cardId: string, body: UploadPrekeysRequest): Promise<UploadPrekeysResponse> {
    return this.request({ method: 'PUT', path: DirectoryRoutes.prekeys(cardId), body, auth: true, idempotent: true });
  }
  prekeyStatus(cardId: string): Promise<PrekeyStatus> {
    return this.request({ method: 'GET', path: DirectoryRoutes.prekeyStatus(cardId), auth: true, idempotent: true });
  }
  /**
   * Consumes one-time prekeys: never retried automatically. With `cardIds`, only those cards of
   * `identity` (e.g. a contact's new device), so their other devices keep their one-time prekeys;
   * a listed card that is no longer claimable is simply absent from `bundles`. Duplicates are
   * dropped; an empty list claims nothing and sends nothing.
   */
  async claimPrekeys(identity: string, cardIds?: readonly string[]): Promise<ClaimPrekeysResponse> {
    // An empty list asks for nothing: no request (the server would refuse it as malformed).
    if (cardIds !== undefined && cardIds.length === 0) return { bundles: [] };
    const body: ClaimPrekeysRequest = cardIds === undefined ? { identity } : { identity, cardIds: [...new Set(cardIds)] };
    return this.request({ method: 'POST', path: DirectoryRoutes.claimPrekeys, body, auth: true, idempotent: false });
  }

  // ---- backup
  /** undefined when there is no backup yet. */
  async getBackup(): Promise<BackupResponse | undefined> {
    try {
      return await this.request<BackupResponse>({ method: 'GET', path: DirectoryRoutes.backup, auth: true, idempotent: true });
    } catch (e) {
      if (isError(e, ErrorCode.NotFound)) return undefined;
      throw e;
    }
  }
  /** `expected`: 'none' to create, or the version to replace (412 PreconditionFailed when it moved). */
  putBackup(blob: string, expected: 'none' | number): Promise<PutBackupResponse> {
    const headers: Record<string, string> = expected === 'none' ? { 'If-None-Match': '*' } : { 'If-Match': `"${expected}"` };
    // Conditional, so a retry after a lost answer fails cleanly with 412 instead of overwriting.
    return this.request({ method: 'PUT', path: DirectoryRoutes.backup, body: { blob }, headers, auth: true, idempotent: true });
  }
  async deleteBackup(version: number): Promise<void> {
    await this.request({ method: 'DELETE', path: DirectoryRoutes.backup, headers: { 'If-Match': `"${version}"` }, auth: true, idempotent: true });
  }

  // ---- mailbox
  postEnvelope(recipientCardId: string, body: PostEnvelopeRequest): Promise<PostEnvelopeResponse> {
    return this.request({ method: 'POST', path: DirectoryRoutes.mailbox(recipientCardId), body, auth: true, idempotent: false });
  }
  fetchMailbox(cardId: string, after?: string, limit?: number): Promise<FetchMailboxResponse> {
    const q = new URLSearchParams();
    if (after !== undefined) q.set('after', after);
    if (limit !== undefined) q.set('limit', String(limit));
    const qs = q.toString();
    return this.request({ method: 'GET', path: DirectoryRoutes.mailbox(cardId) + (qs ? `?${qs}` : ''), auth: true, idempotent: true });
  }
  ackMailbox(cardId: string, ids: string[]): Promise<AckResponse> {
    return this.request({ method: 'POST', path: DirectoryRoutes.mailboxAck(cardId), body: { ids }, auth: true, idempotent: true });
  }

  // ---- archive
  postArchive(body: ArchiveRequest): Promise<{ id: string }> {
    return this.request({ method: 'POST', path: DirectoryRoutes.archive, body, auth: true, idempotent: false });
  }

  // ---- offline queue
  /**
   * Sends now, or queues when the directory cannot be reached. Resolves `{queued: true}` in that case.
   * Permanent refusals (4xx) are thrown, not queued.
   */
  async sendOrQueue(request: DeferredRequest): Promise<{ queued: boolean }> {
    if (this.online && this.queued === 0) {
      try {
        await this.sendDeferred(request);
        return { queued: false };
      } catch (e) {
        if (!isError(e, ErrorCode.Network)) throw e;
      }
    }
    await this.outbox.add({ id: `${this.o.clock.now()}-${Math.floor(this.rand() * 1e9)}`, request, queuedAt: this.o.clock.now() });
    this.queued = (await this.outbox.list()).length;
    this.notify();
    return { queued: true };
  }

  /** Replays the outbox in order; stops at the first network failure. Returns how many were sent or dropped. */
  flush(): Promise<number> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  connectivity(): Connectivity {
    return { online: this.online, lastError: this.lastError, queued: this.queued };
  }

  private async flushOnce(): Promise<number> {
    let done = 0;
    for (const item of await this.outbox.list()) {
      try {
        await this.sendDeferred(item.request);
      } catch (e) {
        if (isError(e, ErrorCode.Network) || isError(e, ErrorCode.RateLimited)) break;
        // Refused for good (e.g. the recipient's card was revoked): drop it rather than block the queue.
      }
      await this.outbox.remove(item.id);
      done++;
    }
    this.queued = (await this.outbox.list()).length;
    this.notify();
    return done;
  }

  private sendDeferred(r: DeferredRequest): Promise<unknown> {
    switch (r.kind) {
      case 'mailbox':
        return this.postEnvelope(r.recipientCardId, r.body);
      case 'archive':
        return this.postArchive(r.body);
      case 'ack':
        return this.ackMailbox(r.cardId, r.ids);
    }
  }

  // ---- transport
  private async request<T>(call: Call): Promise<T> {
    const attempts = call.idempotent ? 1 + (this.o.retries ?? 3) : 1;
    let reauthed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(call);
      } catch (e) {
        if (!isError(e)) throw e;
        if (call.auth && !reauthed && (e.code === ErrorCode.Unauthenticated || e.code === ErrorCode.TokenExpired)) {
          reauthed = true;
          this.forgetSession();
          attempt--; // a re-authentication does not use up a retry
          continue;
        }
        const retryable = e.code === ErrorCode.Network || e.code === ErrorCode.RateLimited;
        if (!retryable || attempt >= attempts) throw e;
        await this.sleep(this.backoff(attempt, e.details?.retryAfterMs as number | undefined));
      }
    }
  }

  private async once<T>(call: Call): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...call.headers };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (call.auth) headers.Authorization = await this.authHeader();
    const controller = new AbortController();
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.o.fetch(this.url(call.path), {
          method: call.method,
          headers,
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: controller.signal,
        });
      } catch {
        const err = new OvercryptError(
          ErrorCode.Network,
          controller.signal.aborted ? `directory did not answer within ${timeoutMs} ms` : 'directory unreachable',
        );
        this.setOffline(err);
        throw err;
      }
      this.setOnline();
      if (!response.ok) throw await httpError(response);
      // The timeout covers the body too: a server that stalls mid-answer is as dead as one that never answers.
      const text = response.status === 204 ? '' : await response.text().catch(() => {
        throw new OvercryptError(ErrorCode.Network, 'the directory\'s answer was cut off');
      });
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new OvercryptError(ErrorCode.Malformed, 'the directory answered something that is not JSON');
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private url(path: string): string {
    const base = typeof this.o.baseUrl === 'function' ? this.o.baseUrl() : this.o.baseUrl;
    return base.replace(/\/+$/, '') + path;
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const base = this.o.backoffBaseMs ?? 250;
    const max = this.o.backoffMaxMs ?? 5_000;
    const exp = Math.min(max, base * 2 ** (attempt - 1));
    const jittered = exp / 2 + this.rand() * (exp / 2);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, 60_000));
  }

  private sleep(ms: number): Promise<void> {
    return this.o.sleep ? this.o.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  }

  private rand(): number {
    return (this.o.random ?? Math.random)();
  }

  private setOffline(err: OvercryptError): void {
    const changed = this.online;
    this.online = false;
    this.lastError = err.toJSON();
    if (changed) this.notify();
  }

  private setOnline(): void {
    if (this.online) return;
    this.online = true;
    this.lastError = undefined;
    this.notify();
    // Back online: replay what waited (not awaited; the current call goes on).
    if (this.queued > 0) void this.flush();
  }

  private notify(): void {
    this.o.onConnectivity?.(this.connectivity());
  }
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.Malformed,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  412: ErrorCode.PreconditionFailed,
  413: ErrorCode.TooLarge,
  428: ErrorCode.PreconditionRequired,
  429: ErrorCode.RateLimited,
  507: ErrorCode.StorageFull,
};

const KNOWN = new Set<string>(Object.values(ErrorCode));

async function httpError(response: Response): Promise<OvercryptError> {
  let body: { code?: unknown; message?: unknown } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status.
  }
  const status = response.status;
  let code: ErrorCode;
  if (body.code === TOKEN_EXPIRED_CODE) code = ErrorCode.TokenExpired;
  else if (typeof body.code === 'string' && KNOWN.has(body.code)) code = body.code as ErrorCode;
  else code = STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.Network : ErrorCode.Internal);
  // A 5xx is the directory's trouble, retried like a network failure.
  if (status >= 500 && status !== 507) code = ErrorCode.Network;
  const retryAfter = Number(response.headers.get('Retry-After'));
  const message = typeof body.message === 'string' ? body.message.slice(0, 500) : `directory answered HTTP ${status}`;
  return new OvercryptError(code, message, {
    status,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
  });
}
