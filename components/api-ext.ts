/**
 * TODO(api): additions the screens need that lib/api does not have yet. Views code against these local types;
 * when lib/api gains them, replace `callExt` with `api.call` and delete this file. Until the worker answers them,
 * callers fall back (see each use), so nothing breaks on today's worker.
 */
import type { ApiClient } from '../lib/api';
import type { WireError } from '../lib/api';

/** Result of checking that a directory URL answers. */
export interface DirectoryCheck {
  reachable: boolean;
  /** Round trip in ms when reachable. */
  latencyMs?: number;
  error?: WireError;
}

/** Worker push during a long operation (register, restore, rotate). */
export interface ProgressEvent {
  op: 'account/register' | 'account/restore' | 'prekeys/rotate';
  step: 'identityKey' | 'deviceCard' | 'publish' | 'prekeys' | 'backup' | 'restore' | 'upload';
  done: number;
  total: number;
}

export interface ApiSpecExt {
  /** Proposed: reachability of a directory before registering (the worker fetches; the UI may not). */
  'directory/check': { req: { url: string }; res: DirectoryCheck };
}

export async function callExt<K extends keyof ApiSpecExt>(
  api: ApiClient,
  request: { type: K } & ApiSpecExt[K]['req'],
): Promise<ApiSpecExt[K]['res']> {
  // The typed client refuses unknown types at compile time only; the wire format is the same.
  const untyped = api.call as unknown as (r: unknown) => Promise<ApiSpecExt[K]['res']>;
  return untyped(request);
}
