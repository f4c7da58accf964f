/**
 * The directory's backup routes (GET/PUT/DELETE /v1/backup) with optimistic
 * concurrency: create with If-None-Match: *, replace with If-Match: "<version>".
 * The server's version (ETag) counts uploads; the blob carries its own version in its
 * associated data, which is what anti-rollback checks (the server's counter is not trusted).
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import type { FetchLike } from '../cards/fetch-connection';

export interface BackupClientOptions {
  baseUrl: string;
  /** directory session token (Authorization: Virgil <jwt>) */
  getToken: () => Promise<string>;
  fetch?: FetchLike;
}

export interface StoredBackup {
  /** the directory's version counter (ETag) */
  etag: number;
  blob: string;
}

export class BackupClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: BackupClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The stored backup, or undefined when there is none. */
  async get(): Promise<StoredBackup | undefined> {
    const res = await this.request('GET', {});
    if (res.status === 404) return undefined;
    await this.ensureOk(res);
    const body = (await res.json()) as { version?: unknown; blob?: unknown };
    if (!Number.isSafeInteger(body.version) || typeof body.blob !== 'string') fail(ErrorCode.Malformed, 'backup response');
    return { etag: body.version as number, blob: body.blob };
  }

  /** Creates (`expectedEtag` undefined) or replaces the backup; `PreconditionFailed` when someone else changed it first. */
  async put(blob: string, expectedEtag?: number): Promise<number> {
    const precondition: Record<string, string> = expectedEtag === undefined ? { 'If-None-Match': '*' } : { 'If-Match': `"${expectedEtag}"` };
    const res = await this.request('PUT', precondition, JSON.stringify({ blob }));
    await this.ensureOk(res);
    const body = (await res.json()) as { version?: unknown };
    if (!Number.isSafeInteger(body.version)) fail(ErrorCode.Malformed, 'backup put response');
    return body.version as number;
  }

  async delete(expectedEtag: number): Promise<void> {
    await this.ensureOk(await this.request('DELETE', { 'If-Match': `"${expectedEtag}"` }));
  }

  private async request(method: string, headers: Record<string, string>, body?: string): Promise<Response> {
    const token = await this.options.getToken();
    try {
      return await this.fetchFn(`${this.baseUrl}/v1/backup`, {
        method,
        headers: { Authorization: `Virgil ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
        ...(body ? { body } : {}),
      });
    } catch (e) {
      throw new OvercryptError(ErrorCode.Network, 'directory unreachable', { cause: String(e) });
    }
  }

  private async ensureOk(res: Response): Promise<void> {
    if (res.ok) return;
    const byStatus: Record<number, ErrorCode> = { 401: ErrorCode.Unauthenticated, 403: ErrorCode.Forbidden, 404: ErrorCode.NotFound, 409: ErrorCode.Conflict, 412: ErrorCode.PreconditionFailed, 413: ErrorCode.TooLarge, 428: ErrorCode.PreconditionRequired, 429: ErrorCode.RateLimited };
    throw new OvercryptError(byStatus[res.status] ?? ErrorCode.Network, `backup: HTTP ${res.status}`, { status: res.status });
  }
}
