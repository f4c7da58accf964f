/** Cards v5, wire-compatible with virgil-sdk 6.2's CardClient. */
import type { FastifyInstance } from 'fastify';
import { DirectoryRoutes, Limits, SUPERSEDED_HEADER, type RawSignedModelJson, type SearchCardsRequest } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';
import { callerIdentity } from '../auth';
import { cardIdParam, errors, rawSignedModel, userAuth } from '../schemas';

const JSON_TYPE = 'application/json; charset=utf-8';

export function cardRoutes(app: FastifyInstance, directory: Directory): void {
  app.post(DirectoryRoutes.cards, {
    schema: {
      summary: 'Publish a card; the response adds the directory\'s `app` signature',
      description: 'The snapshot identity must equal the token identity; the self signature must verify; ' +
        '`previous_card_id` must be an active card of the same identity and is then superseded. ' +
        'Every received signature (e.g. `identity`) is stored and returned untouched.',
      tags: ['cards'],
      security: userAuth,
      body: rawSignedModel,
      response: { 200: rawSignedModel, ...errors(400, 401, 403, 404, 409, 413, 507) },
    },
  }, async (request, reply) => {
    const identity = callerIdentity(directory.tokens, request);
    const published = await directory.cards.publish(identity, request.body as RawSignedModelJson);
    return reply.type(JSON_TYPE).send(published.model);
  });

  app.get(`${DirectoryRoutes.cards}/:cardId`, {
    schema: {
      summary: 'Get a card by id',
      description: `Header ${SUPERSEDED_HEADER}: true when the card is superseded or revoked.`,
      tags: ['cards'],
      security: userAuth,
      params: cardIdParam,
      response: { 200: rawSignedModel, ...errors(400, 401, 404) },
    },
  }, async (request, reply) => {
    callerIdentity(directory.tokens, request);
    const card = await directory.cards.get((request.params as { cardId: string }).cardId);
    if (card.outdated) void reply.header(SUPERSEDED_HEADER, 'true');
    return reply.type(JSON_TYPE).send(card.model);
  });

  app.post(DirectoryRoutes.searchCards, {
    schema: {
      summary: 'Active cards of these identities (several per identity = several devices)',
      tags: ['cards'],
      security: userAuth,
      body: {
        type: 'object',
        properties: {
          identities: {
            type: 'array', minItems: 1, maxItems: Limits.searchMaxIdentities,
            items: { type: 'string', minLength: 1, maxLength: Limits.identityMaxLength },
          },
        },
        required: ['identities'],
      },
      response: { 200: { type: 'array', items: rawSignedModel }, ...errors(400, 401) },
    },
  }, async (request, reply) => {
    callerIdentity(directory.tokens, request);
    const json = await directory.cards.search((request.body as SearchCardsRequest).identities);
    return reply.type(JSON_TYPE).send(json);
  });

  app.post(`${DirectoryRoutes.cards}/actions/revoke/:cardId`, {
    schema: {
      summary: 'Revoke one of your cards (it leaves search results; GET marks it superseded)',
      tags: ['cards'],
      security: userAuth,
      params: cardIdParam,
      response: { 200: { type: 'object' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = callerIdentity(directory.tokens, request);
    await directory.cards.revoke(identity, (request.params as { cardId: string }).cardId);
    return {};
  });
}
