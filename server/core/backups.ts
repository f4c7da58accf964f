/**
 * One opaque, size-capped backup blob per identity, versioned. Writes carry a precondition
 * (create-only, or replace version N) so two devices never overwrite each other blindly.
 */
import { Limits, type BackupResponse } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { Repository } from '../storage/repository';
import { decodeBase64 } from './validate';

/** What the HTTP precondition headers asked for. */
export type BackupPrecondition = { kind: 'create' } | { kind: 'version'; version: number } | { kind: 'none' };

export class BackupService {
  constructor(
    private readonly repo: Repository,
    private readonly now: () => number,
  ) {}

  async get(identity: string): Promise<BackupResponse> {
    const backup = await this.repo.getBackup(identity);
    if (!backup) fail(ErrorCode.NotFound, 'no backup stored');
    return backup;
  }

  async put(identity: string, blob: string, precondition: BackupPrecondition): Promise<{ version: number }> {
    if (precondition.kind === 'none') {
      fail(ErrorCode.PreconditionRequired, 'send If-None-Match: * to create or If-Match: "<version>" to replace');
    }
    decodeBase64(blob, 'blob', Limits.backupMaxBytes);
    const result = await this.repo.putBackup(identity, blob,
      precondition.kind === 'create' ? null : precondition.version, this.now());
    if (!result.ok) {
      fail(ErrorCode.PreconditionFailed, result.current === null ? 'no backup exists' : `current version is ${result.current}`,
        { current: result.current });
    }
    return { version: result.version };
  }

  async delete(identity: string, precondition: BackupPrecondition): Promise<void> {
    if (precondition.kind !== 'version') fail(ErrorCode.PreconditionRequired, 'send If-Match: "<version>" to delete');
    const result = await this.repo.deleteBackup(identity, precondition.version);
    if (!result.ok) {
      if (result.current === null) fail(ErrorCode.NotFound, 'no backup stored');
      fail(ErrorCode.PreconditionFailed, `current version is ${result.current}`, { current: result.current });
    }
  }
}
