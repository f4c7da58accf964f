/**
 * Org archive (seed 001): opaque blobs that clients encrypted to the organisation's card,
 * indexed by conversation and message digest. Any authenticated user appends; only the
 * admin token reads. The directory never decides escrow: clients take the org key from
 * managed policy only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Limits, type ArchiveRequest, type ArchiveResponse } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { Repository } from '../storage/repository';
import { decodeBase64 } from './validate';

const MAX_KEY_LENGTH = 256;

export class ArchiveService {
  private readonly adminDigest: Buffer | null;

  constructor(
    private readonly repo: Repository,
    adminToken: string | null,
    private readonly now: () => number,
  ) {
    this.adminDigest = adminToken ? sha256(adminToken) : null;
  }

  async append(author: string, req: ArchiveRequest): Promise<{ id: string }> {
    checkKey(req.conversationId, 'conversationId');
    checkKey(req.messageDigest, 'messageDigest');
    decodeBase64(req.blob, 'blob', Limits.archiveBlobMaxBytes);
    const id = await this.repo.insertArchive({
      conversationId: req.conversationId, messageDigest: req.messageDigest, blob: req.blob, authorIdentity: author,
      createdAt: this.now(),
    });
    return { id };
  }

  /** Admin only: `adminToken` is compared in constant time. */
  async list(adminToken: string | null, conversationId: string | null, after: string | null, limit: number | null): Promise<ArchiveResponse> {
    if (!this.adminDigest) fail(ErrorCode.Forbidden, 'archive reads are disabled (no --admin-token configured)');
    if (adminToken === null || !timingSafeEqual(sha256(adminToken), this.adminDigest)) {
      fail(ErrorCode.Unauthenticated, 'archive reads need Authorization: Bearer <admin token>');
    }
    if (after !== null && !/^\d{1,18}$/.test(after)) fail(ErrorCode.Malformed, 'after must be an archive entry id');
    const n = limit ?? 100;
    if (!Number.isInteger(n) || n < 1 || n > Limits.archiveFetchMax) fail(ErrorCode.Malformed, `limit must be 1-${Limits.archiveFetchMax}`);
    const entries = await this.repo.listArchive(conversationId, after, n);
    return { entries };
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function checkKey(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    fail(ErrorCode.Malformed, `${what} must be 1-${MAX_KEY_LENGTH} characters`);
  }
}
