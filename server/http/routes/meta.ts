/** GET /healthz, GET /v1/app, GET /openapi.json */
import type { FastifyInstance } from 'fastify';
import { DirectoryRoutes } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';

export function metaRoutes(app: FastifyInstance, directory: Directory): void {
  app.get(DirectoryRoutes.health, {
    schema: {
      summary: 'Liveness',
      tags: ['meta'],
      response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
    },
  }, async () => ({ ok: true }));

  app.get(DirectoryRoutes.app, {
    schema: {
      summary: 'The app identity clients pin to verify the `app` signature on cards',
      tags: ['meta'],
      response: {
        200: {
          type: 'object',
          properties: {
            appId: { type: 'string' },
            appPublicKey: { type: 'string', description: 'base64 of virgil-crypto exportPublicKey' },
          },
          required: ['appId', 'appPublicKey'],
        },
      },
    },
  }, async () => directory.appInfo);

  app.get(DirectoryRoutes.openapi, { schema: { hide: true } }, async () => app.swagger());
}
