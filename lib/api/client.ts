/**
 * Typed client over runtime messaging, used by the popup, extension tabs, our frames and content scripts.
 * The transport is injected (in the extension: `(msg) => browser.runtime.sendMessage(msg)`), so this stays
 * browser-agnostic and testable.
 *
 *   const api = createApiClient((m) => browser.runtime.sendMessage(m));
 *   const status = await api.call({ type: 'status/get' });          // typed Status
 *   try { await api.call({ type: 'vault/unlock', passphrase }) }
 *   catch (e) { if (isError(e, ErrorCode.WrongPassword)) ... }
 */
import { ErrorCode, OvercryptError } from '../errors';
import { fromWireError } from './errors';
import { API_TAG, type ApiEnvelope, type ApiReply, type RequestOf, type RequestType, type ResponseOf } from './messages';

export type Transport = (envelope: ApiEnvelope) => Promise<unknown>;

export interface ApiClient {
  call<K extends RequestType>(request: RequestOf<K>): Promise<ResponseOf<K>>;
}

export function createApiClient(send: Transport): ApiClient {
  return {
    async call<K extends RequestType>(request: RequestOf<K>): Promise<ResponseOf<K>> {
      let reply: unknown;
      try {
        reply = await send({ tag: API_TAG, request });
      } catch {
        // The worker was stopped mid-request or the extension reloaded: the caller may retry.
        throw new OvercryptError(ErrorCode.Network, 'the background worker did not answer');
      }
      return unwrapReply<K>(reply);
    },
  };
}

export function unwrapReply<K extends RequestType>(reply: unknown): ResponseOf<K> {
  if (typeof reply !== 'object' || reply === null || !('ok' in reply)) {
    throw new OvercryptError(ErrorCode.Internal, 'malformed reply from the worker');
  }
  const r = reply as ApiReply<K>;
  if (r.ok) return r.value;
  throw fromWireError(r.error);
}

/** True if a runtime message is one of ours (listeners ignore everything else). */
export function isApiEnvelope(msg: unknown): msg is ApiEnvelope {
  return typeof msg === 'object' && msg !== null && (msg as { tag?: unknown }).tag === API_TAG && 'request' in msg;
}
