/** GET/PUT/DELETE /v1/backup: the caller's own backup blob, with ETag / If-Match / If-None-Match. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DirectoryRoutes, Limits, type PutBackupRequest } from '../../../lib/directory/wire';
import { ErrorCode, fail } from '../../../lib/errors';
import type { BackupPrecondition } from '../../core/backups';
import type { Directory } from '../../core/directory';
import { callerIdentity } from '../auth';
import { errors, userAuth } from '../schemas';

const versionBody = { type: 'object', properties: { version: { type: 'integer' } }, required: ['version'] } as const;

/** If-None-Match: * → create; If-Match: "N" (or N, W/"N") → replace version N. */
function precondition(request: FastifyRequest): BackupPrecondition {
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifMatch !== undefined && ifNoneMatch !== undefined) fail(ErrorCode.Malformed, 'send If-Match or If-None-Match, not both');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') fail(ErrorCode.Malformed, 'If-None-Match must be *');
    return { kind: 'create' };
  }
  if (ifMatch !== undefined) {
    const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(ifMatch.trim());
    if (!m) fail(ErrorCode.Malformed, 'If-Match must be "<version>"');
    return { kind: 'version', version: Number(m[1]) };
  }
  return { kind: 'none' };
}

export function backupRoutes(app: FastifyInstance, directory: Directory): void {
  app.get(DirectoryRoutes.backup, {
    schema: {
      summary: 'Your backup blob; ETag "<version>"',
      tags: ['backup'],
      security: userAuth,
      response: {
        200: { type: 'object', properties: { version: { type: 'integer' }, blob: { type: 'string' } }, required: ['version', 'blob'] },
        ...errors(401, 404),
      },
    },
  }, async (request, reply) => {
    const backup = await directory.backups.get(callerIdentity(directory.tokens, request));
    void reply.header('ETag', `"${backup.version}"`).header('Cache-Control', 'no-store');
    return backup;
  });

  app.put(DirectoryRoutes.backup, {
    schema: {
      summary: 'Create (If-None-Match: *) or replace (If-Match: "<version>") your backup',
      tags: ['backup'],
      security: userAuth,
      headers: {
        type: 'object',
        properties: { 'if-match': { type: 'string' }, 'if-none-match': { type: 'string' } },
      },
      body: {
        type: 'object',
        properties: { blob: { type: 'string', minLength: 1, description: `base64, at most ${Limits.backupMaxBytes} bytes decoded (413)` } },
        required: ['blob'],
      },
      response: { 200: versionBody, ...errors(400, 401, 412, 413, 428) },
    },
  }, async (request, reply) => {
    const identity = callerIdentity(directory.tokens, request);
    const result = await directory.backups.put(identity, (request.body as PutBackupRequest).blob, precondition(request));
    void reply.header('ETag', `"${result.version}"`);
    return result;
  });

  app.delete(DirectoryRoutes.backup, {
    schema: {
      summary: 'Delete your backup (If-Match: "<version>" required)',
      tags: ['backup'],
      security: userAuth,
      response: { 204: { type: 'null' }, ...errors(400, 401, 404, 412, 428) },
    },
  }, async (request, reply) => {
    const identity = callerIdentity(directory.tokens, request);
    await directory.backups.delete(identity, precondition(request));
    return reply.code(204).send();
  });
}
