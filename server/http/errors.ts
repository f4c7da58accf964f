/**
 * Maps everything that can go wrong to a JSON `{code, message}` response. Bad input of any
 * kind (schema, JSON syntax, size, media type, unknown route) is a 4xx; only genuine server
 * faults are 500, and their details go to the log, not to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TOKEN_EXPIRED_CODE, type ErrorBody } from '../../lib/directory/wire';
import { ErrorCode, isError } from '../../lib/errors';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Malformed]: 400,
  [ErrorCode.UnsupportedVersion]: 400,
  [ErrorCode.BadSignature]: 400,
  [ErrorCode.StalePrekey]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.WrongPassword]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PreconditionFailed]: 412,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.PreconditionRequired]: 428,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.StorageFull]: 507,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isError(error)) {
      const status = httpStatusOf(error.code);
      if (status >= 500 && status !== 507) request.log.error({ err: error }, 'internal error');
      if (error.code === ErrorCode.RateLimited) void reply.header('Retry-After', '60');
      // virgil-sdk retries once with a fresh token on 401 + 20304.
      const code = error.code === ErrorCode.TokenExpired ? TOKEN_EXPIRED_CODE : error.code;
      return reply.code(status).send({ code, message: error.message } satisfies ErrorBody);
    }
    if (error.validation) {
      return reply.code(400).send({ code: ErrorCode.Malformed, message: error.message } satisfies ErrorBody);
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? ErrorCode.TooLarge : ErrorCode.Malformed;
      return reply.code(status).send({ code, message: error.message } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'internal error');
    return reply.code(500).send({ code: ErrorCode.Internal, message: 'internal error' } satisfies ErrorBody);
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({
      code: ErrorCode.NotFound,
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    } satisfies ErrorBody);
  });
}
