/**
 * Errors as they cross the messaging boundary: `{code, message}`. Anything that is not an OvercryptError becomes
 * `Internal` with a generic message, so stack traces and secrets in messages never leave the worker.
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { WireError } from './messages';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export function toWireError(e: unknown): WireError {
  if (e instanceof OvercryptError) return { code: e.code, message: e.message };
  return { code: ErrorCode.Internal, message: 'internal error' };
}

/** Rebuilds the error on the calling side; unknown codes become Internal. */
export function fromWireError(w: unknown): OvercryptError {
  const rec = (typeof w === 'object' && w !== null ? w : {}) as Partial<WireError>;
  const code = typeof rec.code === 'string' && KNOWN_CODES.has(rec.code) ? (rec.code as ErrorCode) : ErrorCode.Internal;
  const message = typeof rec.message === 'string' ? rec.message : 'error from the worker';
  return new OvercryptError(code, message);
}
