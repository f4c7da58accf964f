/** Per-card mailbox: post (from your active card), fetch and ack (owner only). */
import type { FastifyInstance } from 'fastify';
import { Limits, type AckRequest, type PostEnvelopeRequest } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';
import { callerIdentity } from '../auth';
import { cardIdParam, envelope, errors, userAuth } from '../schemas';

export function mailboxRoutes(app: FastifyInstance, directory: Directory): void {
  app.post('/v1/mailbox/:cardId', {
    schema: {
      summary: 'Queue an opaque envelope for an active card',
      description: '507 when the mailbox is full, 429 past the per-sender quota, 409 for a repeated (senderCardId, seq); ' +
        'old envelopes are never dropped to make room.',
      tags: ['mailbox'],
      security: userAuth,
      params: cardIdParam,
      body: {
        type: 'object',
        properties: {
          senderCardId: { type: 'string', maxLength: 128 },
          seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          envelope: { type: 'string', minLength: 1, description: `base64, at most ${Limits.envelopeMaxBytes} bytes decoded` },
        },
        required: ['senderCardId', 'seq', 'envelope'],
      },
      response: {
        201: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        ...errors(400, 401, 403, 404, 409, 413, 429, 507),
      },
    },
  }, async (request, reply) => {
    const sender = callerIdentity(directory.tokens, request);
    const { cardId } = request.params as { cardId: string };
    return reply.code(201).send(await directory.mailbox.post(sender, cardId, request.body as PostEnvelopeRequest));
  });

  app.get('/v1/mailbox/:cardId', {
    schema: {
      summary: 'Fetch envelopes queued for your card, oldest first',
      tags: ['mailbox'],
      security: userAuth,
      params: cardIdParam,
      querystring: {
        type: 'object',
        properties: {
          after: { type: 'string', pattern: '^[0-9]{1,18}$', description: 'last envelope id seen' },
          limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: `1-${Limits.mailboxFetchMax}, default 100` },
        },
      },
      response: {
        200: { type: 'object', properties: { envelopes: { type: 'array', items: envelope } }, required: ['envelopes'] },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const owner = callerIdentity(directory.tokens, request);
    const { cardId } = request.params as { cardId: string };
    const q = request.query as { after?: string; limit?: string };
    return directory.mailbox.fetch(owner, cardId, q.after ?? null, q.limit === undefined ? null : Number(q.limit));
  });

  app.post('/v1/mailbox/:cardId/ack', {
    schema: {
      summary: 'Acknowledge (delete) envelopes of your card',
      tags: ['mailbox'],
      security: userAuth,
      params: cardIdParam,
      body: {
        type: 'object',
        properties: { ids: { type: 'array', maxItems: Limits.mailboxAckMax, items: { type: 'string', maxLength: 32 } } },
        required: ['ids'],
      },
      response: {
        200: { type: 'object', properties: { acked: { type: 'integer' } }, required: ['acked'] },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const owner = callerIdentity(directory.tokens, request);
    const { cardId } = request.params as { cardId: string };
    return directory.mailbox.ack(owner, cardId, (request.body as AckRequest).ids);
  });
}
