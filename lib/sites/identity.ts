/**
 * Card identities for people on a site: `handle@namespace`, ASCII only (virgil-crypto mis-encodes anything
 * else), normalised so that the page's spelling ("Alice", "ALICE") maps to one card.
 *
 *   cardIdentity('Alice[away]', 'OvercryptTest', 'rfc1459') === 'alice{away}@overcrypttest'
 */
import { ErrorCode, OvercryptError } from '../errors';

export type HandleCase = 'rfc1459' | 'ascii' | 'exact';

export const MAX_HANDLE_LENGTH = 64;
export const MAX_NAMESPACE_LENGTH = 128;

/** Visible ASCII without "@" (the separator) and without whitespace. */
const SAFE_PART = /^[\x21-\x3f\x41-\x7e]+$/;

/**
 * Lower-cases a handle the way the site compares handles. IRC (RFC 1459 casemapping) also treats
 * `[]\~` as the upper case of `{}|^`.
 */
export function normaliseHandle(handle: string, handleCase: HandleCase = 'ascii'): string {
  const h = handle.normalize('NFKC').trim();
  if (h.length === 0 || h.length > MAX_HANDLE_LENGTH || !SAFE_PART.test(h)) {
    throw new OvercryptError(ErrorCode.Malformed, 'a handle must be 1-64 visible ASCII characters without "@"');
  }
  if (handleCase === 'exact') return h;
  const lower = h.toLowerCase();
  if (handleCase === 'ascii') return lower;
  return lower.replace(/[[\]\\~]/g, (c) => ({ '[': '{', ']': '}', '\\': '|', '~': '^' })[c] ?? c);
}

/**
 * A namespace is a host ("chat.example.com", IDN converted to punycode, port dropped) or a network name
 * ("Libera.Chat" → "libera.chat"; inner whitespace → "-").
 */
export function normaliseNamespace(namespace: string): string {
  let ns = namespace.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '-');
  if (!/^[\x00-\x7f]*$/.test(ns)) ns = hostnameToAscii(ns);
  if (ns.length === 0 || ns.length > MAX_NAMESPACE_LENGTH || !SAFE_PART.test(ns)) {
    throw new OvercryptError(ErrorCode.Malformed, 'a namespace must be 1-128 visible ASCII characters without "@"');
  }
  return ns;
}

/** The namespace of a page on a host: the hostname only (a port does not make a different community). */
export function namespaceFromHost(host: string): string {
  return normaliseNamespace(host.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
}

export function cardIdentity(handle: string, namespace: string, handleCase: HandleCase = 'ascii'): string {
  return `${normaliseHandle(handle, handleCase)}@${normaliseNamespace(namespace)}`;
}

/** Splits at the last "@" and checks both halves are already normal. */
export function parseCardIdentity(identity: string): { handle: string; namespace: string } {
  const at = identity.lastIndexOf('@');
  if (at <= 0 || at === identity.length - 1) throw new OvercryptError(ErrorCode.Malformed, 'not a handle@namespace identity');
  const handle = identity.slice(0, at);
  const namespace = identity.slice(at + 1);
  if (normaliseHandle(handle, 'exact') !== handle || normaliseNamespace(namespace) !== namespace) {
    throw new OvercryptError(ErrorCode.Malformed, 'identity is not in normal form');
  }
  return { handle, namespace };
}

function hostnameToAscii(name: string): string {
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    throw new OvercryptError(ErrorCode.Malformed, 'namespace is neither ASCII nor a valid international host name');
  }
}
