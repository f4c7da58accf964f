/**
 * The HTTP edge: fastify with JSON schemas on every route, CORS for extension origins,
 * OpenAPI at /openapi.json, errors as JSON {code, message}. Handlers only translate
 * between HTTP and the core (server/core).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { Directory } from '../core/directory';
import { installErrorHandlers } from './errors';
import { accountRoutes } from './routes/accounts';
import { archiveRoutes } from './routes/archive';
import { backupRoutes } from './routes/backups';
import { cardRoutes } from './routes/cards';
import { mailboxRoutes } from './routes/mailbox';
import { metaRoutes } from './routes/meta';
import { prekeyRoutes } from './routes/prekeys';

export interface HttpOptions {
  /** pino logger options, or false (tests). Tokens and passwords are never logged. */
  logger?: FastifyServerOptions['logger'];
  /** Extra allowed CORS origins besides chrome-extension://, moz-extension://, safari-web-extension://. */
  corsOrigins?: readonly string[];
  /** Honour X-Forwarded-For (only behind your own reverse proxy). */
  trustProxy?: boolean;
  bodyLimit?: number;
}

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\/[A-Za-z0-9._-]+$/;

export async function buildHttpServer(directory: Directory, options: HttpOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: options.bodyLimit ?? 512 * 1024,
    // Strict types: no silent coercion of "123" to 123 or of objects to strings.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Overcrypt directory',
        version: '1',
        description: 'Cards v5 (virgil-sdk 6.2 wire format), accounts and JWTs, prekeys, backups, mailbox, org archive. ' +
          'See docs/directory-api.md. Errors: JSON {code, message}.',
      },
      components: {
        securitySchemes: {
          virgilJwt: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Virgil <jwt from POST /v1/session>' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'the --admin-token of the server' },
        },
      },
    },
  });

  const extra = new Set(options.corsOrigins ?? []);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin === undefined || EXTENSION_ORIGIN.test(origin) || extra.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Virgil-Agent'],
    exposedHeaders: ['ETag', 'X-Virgil-Is-Superseeded', 'Retry-After'],
    maxAge: 600,
  });

  installErrorHandlers(app);
  metaRoutes(app, directory);
  accountRoutes(app, directory);
  cardRoutes(app, directory);
  prekeyRoutes(app, directory);
  backupRoutes(app, directory);
  mailboxRoutes(app, directory);
  archiveRoutes(app, directory);
  return app;
}
