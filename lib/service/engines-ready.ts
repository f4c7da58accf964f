/**
 * Wraps engines so every call first awaits a readiness promise (virgil-crypto's WASM init). The worker then
 * answers requests that need no crypto (status, page reports, settings) without waiting for the WASM, and crypto
 * calls wait only as long as the init really takes. `ensureCrypto()` shares one promise per worker start.
 */
import type { Engines } from './engines';

export function whenReady(engines: Engines, ready: () => Promise<unknown>): Engines {
  const wrap = <T extends object>(part: T): T =>
    Object.fromEntries(
      Object.entries(part).map(([name, fn]) => [
        name,
        typeof fn === 'function'
          ? async (...args: unknown[]) => {
              await ready();
              return (fn as (...a: unknown[]) => unknown).apply(part, args);
            }
          : fn,
      ]),
    ) as T;
  return { account: wrap(engines.account), messages: wrap(engines.messages), contacts: wrap(engines.contacts), keys: wrap(engines.keys) };
}
