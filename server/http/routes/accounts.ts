/** POST /v1/accounts, POST /v1/session */
import type { FastifyInstance } from 'fastify';
import { DirectoryRoutes, Limits, type CreateAccountRequest, type SessionRequest } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';
import { errors } from '../schemas';

const identity = { type: 'string', minLength: 1, maxLength: Limits.identityMaxLength + 64 } as const;
const password = { type: 'string', maxLength: Limits.passwordMaxLength } as const;

export function accountRoutes(app: FastifyInstance, directory: Directory): void {
  app.post(DirectoryRoutes.accounts, {
    schema: {
      summary: 'Create an account (registration mode: open, invite or closed)',
      tags: ['accounts'],
      body: {
        type: 'object',
        properties: { identity, password, invite: { type: 'string', maxLength: 256 } },
        required: ['identity', 'password'],
      },
      response: {
        201: { type: 'object', properties: { identity: { type: 'string' } }, required: ['identity'] },
        ...errors(400, 403, 409, 429),
      },
    },
  }, async (request, reply) => {
    const created = await directory.accounts.register(request.body as CreateAccountRequest, request.ip);
    return reply.code(201).send(created);
  });

  app.post(DirectoryRoutes.session, {
    schema: {
      summary: 'Log in: returns a Virgil JWT (send as `Authorization: Virgil <token>`)',
      tags: ['accounts'],
      body: { type: 'object', properties: { identity, password }, required: ['identity', 'password'] },
      response: {
        200: {
          type: 'object',
          properties: { token: { type: 'string' }, expiresAt: { type: 'integer', description: 'ms since epoch' } },
          required: ['token', 'expiresAt'],
        },
        ...errors(400, 401, 429),
      },
    },
  }, async (request) => directory.accounts.login(request.body as SessionRequest, request.ip));
}
