/** Reads the caller's identity from `Authorization: Virgil <jwt>` (or the admin token from `Bearer`). */
import type { FastifyRequest } from 'fastify';
import { ErrorCode, fail } from '../../lib/errors';
import type { TokenService } from '../core/tokens';

export function callerIdentity(tokens: TokenService, request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Virgil ')) {
    fail(ErrorCode.Unauthenticated, 'send Authorization: Virgil <token> (POST /v1/session issues one)');
  }
  return tokens.verify(header.slice('Virgil '.length).trim()).identity;
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
}
