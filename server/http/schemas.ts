/** JSON schemas of the HTTP API (validation at the edge + the served OpenAPI document). */
import { Limits } from '../../lib/directory/wire';

const base64 = (maxBytes: number) => ({ type: 'string', maxLength: Math.ceil(maxBytes / 3) * 4 }) as const;

export const errorBody = {
  type: 'object',
  properties: { code: { type: ['string', 'number'] }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export const cardIdParam = {
  type: 'object',
  properties: { cardId: { type: 'string', maxLength: 128, description: 'card id: 64 lower-case hex characters' } },
  required: ['cardId'],
} as const;

export const rawSignedModel = {
  type: 'object',
  description: 'virgil-sdk RawSignedModel JSON',
  properties: {
    content_snapshot: { ...base64(Limits.cardSnapshotMaxBytes), description: 'base64 of the UTF-8 JSON card content' },
    signatures: {
      type: 'array',
      minItems: 1,
      maxItems: Limits.cardMaxSignatures + 1,
      items: {
        type: 'object',
        properties: {
          signer: { type: 'string', minLength: 1, maxLength: 64 },
          signature: { type: 'string', maxLength: 1024 },
          snapshot: { type: ['string', 'null'], maxLength: Math.ceil(Limits.cardSnapshotMaxBytes / 3) * 4 },
        },
        required: ['signer', 'signature'],
      },
    },
  },
  required: ['content_snapshot', 'signatures'],
} as const;

export const prekey = {
  type: 'object',
  properties: {
    keyId: { type: 'integer', minimum: 0, maximum: 0xffffffff },
    publicKey: { ...base64(32), description: 'base64 of the 32-byte raw X25519 public key' },
    createdAt: { type: 'integer', minimum: 0, description: 'ms since epoch' },
    signature: { type: 'string', maxLength: 1024, description: 'base64 card-key signature over prekeySignedBytes' },
  },
  required: ['keyId', 'publicKey', 'createdAt', 'signature'],
} as const;

export const prekeyBundle = {
  type: 'object',
  properties: {
    cardId: { type: 'string' },
    identity: { type: 'string' },
    signedPrekey: prekey,
    oneTimePrekey: { anyOf: [prekey, { type: 'null' }] },
  },
  required: ['cardId', 'identity', 'signedPrekey', 'oneTimePrekey'],
} as const;

export const envelope = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    senderIdentity: { type: 'string' },
    senderCardId: { type: 'string' },
    seq: { type: 'integer' },
    envelope: { type: 'string' },
    createdAt: { type: 'integer' },
  },
  required: ['id', 'senderIdentity', 'senderCardId', 'seq', 'envelope', 'createdAt'],
} as const;

export const archiveEntry = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    conversationId: { type: 'string' },
    messageDigest: { type: 'string' },
    blob: { type: 'string' },
    authorIdentity: { type: 'string' },
    createdAt: { type: 'integer' },
  },
  required: ['id', 'conversationId', 'messageDigest', 'blob', 'authorIdentity', 'createdAt'],
} as const;

export const userAuth = [{ virgilJwt: [] }];
export const adminAuth = [{ adminToken: [] }];

/** Standard error responses for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, typeof errorBody> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody]));
}
