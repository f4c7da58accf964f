/** Org archive: append (any authenticated user), list (admin token only). */
import type { FastifyInstance } from 'fastify';
import { DirectoryRoutes, Limits, type ArchiveRequest } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';
import { bearerToken, callerIdentity } from '../auth';
import { adminAuth, archiveEntry, errors, userAuth } from '../schemas';

export function archiveRoutes(app: FastifyInstance, directory: Directory): void {
  app.post(DirectoryRoutes.archive, {
    schema: {
      summary: 'Append an opaque blob encrypted to the org card',
      tags: ['archive'],
      security: userAuth,
      body: {
        type: 'object',
        properties: {
          conversationId: { type: 'string', minLength: 1, maxLength: 256 },
          messageDigest: { type: 'string', minLength: 1, maxLength: 256 },
          blob: { type: 'string', minLength: 1, description: `base64, at most ${Limits.archiveBlobMaxBytes} bytes decoded` },
        },
        required: ['conversationId', 'messageDigest', 'blob'],
      },
      response: { 201: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, ...errors(400, 401, 413) },
    },
  }, async (request, reply) => {
    const author = callerIdentity(directory.tokens, request);
    return reply.code(201).send(await directory.archive.append(author, request.body as ArchiveRequest));
  });

  app.get(DirectoryRoutes.archive, {
    schema: {
      summary: 'List archive entries (admin: Authorization: Bearer <admin token>)',
      tags: ['archive'],
      security: adminAuth,
      querystring: {
        type: 'object',
        properties: {
          conversationId: { type: 'string', maxLength: 256 },
          after: { type: 'string', pattern: '^[0-9]{1,18}$' },
          limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
        },
      },
      response: {
        200: { type: 'object', properties: { entries: { type: 'array', items: archiveEntry } }, required: ['entries'] },
        ...errors(400, 401, 403),
      },
    },
  }, async (request) => {
    const q = request.query as { conversationId?: string; after?: string; limit?: string };
    return directory.archive.list(bearerToken(request), q.conversationId ?? null, q.after ?? null,
      q.limit === undefined ? null : Number(q.limit));
  });
}
