/** Prekeys: upload and status (card owner only), claim (any authenticated user). */
import type { FastifyInstance } from 'fastify';
import { DirectoryRoutes, Limits, type ClaimPrekeysRequest, type UploadPrekeysRequest } from '../../../lib/directory/wire';
import type { Directory } from '../../core/directory';
import { callerIdentity } from '../auth';
import { cardIdParam, errors, prekey, prekeyBundle, userAuth } from '../schemas';

const countBody = { type: 'object', properties: { oneTimeCount: { type: 'integer' } }, required: ['oneTimeCount'] } as const;

export function prekeyRoutes(app: FastifyInstance, directory: Directory): void {
  app.put('/v1/cards/:cardId/prekeys', {
    schema: {
      summary: 'Upload a signed prekey and/or one-time prekeys for your active card',
      description: 'Each signature is verified with the card key over prekeySignedBytes (lib/directory/wire.ts). ' +
        'A signed prekey older than 30 days, from the future, or older than the current one is refused (StalePrekey). ' +
        'One-time keyIds already stored (claimed or not) are ignored.',
      tags: ['prekeys'],
      security: userAuth,
      params: cardIdParam,
      body: {
        type: 'object',
        properties: {
          signedPrekey: prekey,
          oneTimePrekeys: { type: 'array', maxItems: Limits.prekeyBatchMax, items: prekey },
        },
      },
      response: { 200: countBody, ...errors(400, 401, 403, 404, 409, 413, 507) },
    },
  }, async (request) => {
    const identity = callerIdentity(directory.tokens, request);
    const { cardId } = request.params as { cardId: string };
    return directory.prekeys.upload(identity, cardId, request.body as UploadPrekeysRequest);
  });

  app.get('/v1/cards/:cardId/prekeys/status', {
    schema: {
      summary: 'How many one-time prekeys remain, and the current signed prekey',
      tags: ['prekeys'],
      security: userAuth,
      params: cardIdParam,
      response: {
        200: {
          type: 'object',
          properties: {
            oneTimeCount: { type: 'integer' },
            signedPrekey: {
              anyOf: [
                { type: 'object', properties: { keyId: { type: 'integer' }, createdAt: { type: 'integer' } }, required: ['keyId', 'createdAt'] },
                { type: 'null' },
              ],
            },
          },
          required: ['oneTimeCount', 'signedPrekey'],
        },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const identity = callerIdentity(directory.tokens, request);
    return directory.prekeys.status(identity, (request.params as { cardId: string }).cardId);
  });

  app.post(DirectoryRoutes.claimPrekeys, {
    schema: {
      summary: 'Claim one bundle per active card of an identity (each one-time prekey is handed out at most once)',
      description: 'Without cardIds: a bundle for every active card of the identity that has a signed prekey. ' +
        'With cardIds: only for those of them listed; listed ids that are not such cards are left out of the answer ' +
        '(no error), and unlisted cards keep their one-time prekeys.',
      tags: ['prekeys'],
      security: userAuth,
      body: {
        type: 'object',
        properties: {
          identity: { type: 'string', minLength: 1, maxLength: Limits.identityMaxLength },
          cardIds: {
            type: 'array', minItems: 1, maxItems: Limits.activeCardsPerIdentity, uniqueItems: true,
            items: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            description: 'only these cards of the identity (64 lower-case hex each)',
          },
        },
        required: ['identity'],
      },
      response: {
        200: { type: 'object', properties: { bundles: { type: 'array', items: prekeyBundle } }, required: ['bundles'] },
        ...errors(400, 401, 429),
      },
    },
  }, async (request) => {
    const claimer = callerIdentity(directory.tokens, request);
    const { identity, cardIds } = request.body as ClaimPrekeysRequest;
    return directory.prekeys.claim(claimer, identity, cardIds);
  });
}
