/** The typed API shared by worker, popup, extension tabs, frames and content scripts. */
export * from './messages';
export * from './views';
export { createApiClient, unwrapReply, isApiEnvelope, type ApiClient, type Transport } from './client';
export { toWireError, fromWireError } from './errors';
export { parseRequest, isRequestType, LIMITS } from './validate';
export { audienceCounts } from './audience';
