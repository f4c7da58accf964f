/**
 * Typed, validated wrappers over virgil-crypto's foundation primitives.
 *
 * virgil-crypto's `getFoundationModules()` is untyped, and some bad inputs abort the whole WASM
 * instance (`RuntimeError: Aborted()`) instead of throwing: an all-zero AES key, a GCM input
 * shorter than its 16-byte tag, an Ed25519 hash id of NONE. Every function here therefore checks
 * types and lengths in JavaScript first and throws `OvercryptError(Malformed)`; only then does
 * it touch the WASM. Every WASM object created for a call is freed (`delete()`) before returning.
 *
 * Keys cross this boundary as raw bytes (32-byte X25519 / Ed25519 private seeds and public keys),
 * so callers can store and serialise them as plain data. Random bytes come from WebCrypto
 * `getRandomValues` (present in Node 20 and in the MV3 service worker), one source for everything.
 *
 * Call `await ensureCrypto()` (lib/crypto/init.ts) once before using anything here; the
 * functions themselves are synchronous.
 *
 * Example (Alice and Bob agree on a key and exchange one AEAD message):
 * ```ts
 * await ensureCrypto();
 * const alice = x25519GenerateKeyPair();
 * const bob = x25519GenerateKeyPair();
 * const k = hkdfSha256(x25519(alice.privateKey, bob.publicKey), new Uint8Array(32), utf8('demo'), 32);
 * const nonce = randomBytes(AES_GCM_NONCE_LEN);
 * const ct = aes256GcmEncrypt(k, nonce, utf8('hi Bob'), utf8('header'));
 * const k2 = hkdfSha256(x25519(bob.privateKey, alice.publicKey), new Uint8Array(32), utf8('demo'), 32);
 * aes256GcmDecrypt(k2, nonce, ct, utf8('header')); // bytes of 'hi Bob'; a flipped bit throws Tampered
 * ```
 */
import { ErrorCode, OvercryptError, fail } from '../errors';
import { foundation } from './init';

export const X25519_KEY_LEN = 32;
export const ED25519_PUBLIC_KEY_LEN = 32;
/** The RFC 8032 private key: a 32-byte seed. */
export const ED25519_PRIVATE_KEY_LEN = 32;
export const ED25519_SIGNATURE_LEN = 64;
export const AES256_KEY_LEN = 32;
export const AES_GCM_NONCE_LEN = 12;
export const AES_GCM_TAG_LEN = 16;
export const SHA256_LEN = 32;
export const SHA512_LEN = 64;
export const HMAC_SHA256_LEN = 32;
/** RFC 5869: at most 255 blocks of output. */
export const HKDF_SHA256_MAX_OUTPUT = 255 * SHA256_LEN;
/** Sanity cap on any single primitive input (64 MiB); far above any message we handle. */
export const MAX_INPUT_LEN = 64 * 1024 * 1024;

/** Raw key pair; both halves are 32 bytes. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

// ---- validation -------------------------------------------------------------------------------

function malformed(message: string): never {
  return fail(ErrorCode.Malformed, message);
}

/** Throws Malformed unless `value` is a Uint8Array (optionally of exactly `length` bytes). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) malformed(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) malformed(`${name} must be ${length} bytes, got ${value.length}`);
  if (value.length > MAX_INPUT_LEN) malformed(`${name} is too large`);
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** A plain Uint8Array copy, detached from any Buffer pool or WASM heap view. */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

// ---- foundation plumbing ----------------------------------------------------------------------

interface WasmObject {
  delete(): void;
}

/** Runs `body` and frees every WASM object it registered, even on error. */
function withWasm<T>(body: (own: <O extends WasmObject>(o: O) => O) => T): T {
  const owned: WasmObject[] = [];
  try {
    return body((o) => {
      owned.push(o);
      return o;
    });
  } catch (e) {
    if (e instanceof OvercryptError) throw e;
    // A foundation error that we did not anticipate: report it typed, without key material.
    throw new OvercryptError(ErrorCode.Internal, `crypto primitive failed: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    for (const o of owned.reverse()) o.delete();
  }
}

function algId(name: 'CURVE25519' | 'ED25519' | 'SHA512'): number {
  const id = foundation().AlgId?.[name];
  if (typeof id !== 'number') fail(ErrorCode.Internal, `foundation AlgId.${name} missing`);
  return id;
}

// Algorithm descriptors hold no key material; creating one costs as much as a hash, so keep
// one per foundation instance (never freed: two small objects for the life of the worker).
const algInfoCache = new WeakMap<object, Map<string, unknown>>();
function algInfo(name: 'CURVE25519' | 'ED25519'): unknown {
  const f = foundation();
  let cache = algInfoCache.get(f);
  if (!cache) algInfoCache.set(f, (cache = new Map()));
  let info = cache.get(name);
  if (!info) cache.set(name, (info = f.SimpleAlgInfo.newWithAlgId(algId(name))));
  return info;
}

// ---- random -----------------------------------------------------------------------------------

/** `length` cryptographically secure random bytes (WebCrypto). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_INPUT_LEN) malformed('bad random length');
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let off = 0; off < length; off += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + 65536)));
  }
  return out;
}

// ---- X25519 -----------------------------------------------------------------------------------

/** A fresh X25519 key pair (private key from WebCrypto randomness). */
export function x25519GenerateKeyPair(): KeyPair {
  const privateKey = randomBytes(X25519_KEY_LEN);
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

/** The X25519 public key of a 32-byte private key (RFC 7748 scalar multiplication by the base point). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'X25519 private key', X25519_KEY_LEN);
  return withWasm((own) => {
    const f = foundation();
    const curve = own(new f.Curve25519());
    const info = algInfo('CURVE25519');
    const priv = own(curve.importPrivateKeyData(copy(privateKey), info));
    const pub = own(priv.extractPublicKey());
    return copy(curve.exportPublicKeyData(pub));
  });
}

/**
 * X25519(privateKey, publicKey): the 32-byte shared secret. A low-order peer key gives an
 * all-zero secret, which the foundation refuses; we report it as Malformed (RFC 7748 §6.1 check).
 */
export function x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'X25519 private key', X25519_KEY_LEN);
  assertBytes(publicKey, 'X25519 public key', X25519_KEY_LEN);
  return withWasm((own) => {
    const f = foundation();
    const curve = own(new f.Curve25519());
    const info = algInfo('CURVE25519');
    const priv = own(curve.importPrivateKeyData(copy(privateKey), info));
    const pub = own(curve.importPublicKeyData(copy(publicKey), info));
    let shared: Uint8Array;
    try {
      shared = copy(curve.computeSharedKey(pub, priv));
    } catch {
      return malformed('X25519 produced no shared secret (low-order public key)');
    }
    if (shared.length !== X25519_KEY_LEN || isAllZero(shared)) malformed('X25519 shared secret is zero');
    return shared;
  });
}

// ---- Ed25519 ----------------------------------------------------------------------------------

/** A fresh Ed25519 key pair; `privateKey` is the 32-byte RFC 8032 seed. */
export function ed25519GenerateKeyPair(): KeyPair {
  const privateKey = randomBytes(ED25519_PRIVATE_KEY_LEN);
  return { privateKey, publicKey: ed25519PublicKey(privateKey) };
}

export function ed25519PublicKey(privateKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'Ed25519 private key', ED25519_PRIVATE_KEY_LEN);
  return withWasm((own) => {
    const f = foundation();
    const ed = own(new f.Ed25519());
    const info = algInfo('ED25519');
    const priv = own(ed.importPrivateKeyData(copy(privateKey), info));
    const pub = own(priv.extractPublicKey());
    return copy(ed.exportPublicKeyData(pub));
  });
}

/**
 * Pure Ed25519 (RFC 8032) signature over `message`. The foundation's `signHash(key, SHA512, data)`
 * signs `data` itself with the standard Ed25519 construction (checked against RFC 8032 vectors).
 */
export function ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'Ed25519 private key', ED25519_PRIVATE_KEY_LEN);
  assertBytes(message, 'message');
  return withWasm((own) => {
    const f = foundation();
    // No setupDefaults(): Ed25519 signing is deterministic and seeding a DRBG costs ~2 ms.
    const ed = own(new f.Ed25519());
    const info = algInfo('ED25519');
    const priv = own(ed.importPrivateKeyData(copy(privateKey), info));
    return copy(ed.signHash(priv, algId('SHA512'), copy(message)));
  });
}

/** True iff `signature` is a valid Ed25519 signature of `message` under `publicKey`; never throws on bad bytes. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  assertBytes(publicKey, 'Ed25519 public key', ED25519_PUBLIC_KEY_LEN);
  assertBytes(message, 'message');
  assertBytes(signature, 'Ed25519 signature');
  if (signature.length !== ED25519_SIGNATURE_LEN) return false;
  try {
    return withWasm((own) => {
      const f = foundation();
      const ed = own(new f.Ed25519());
      const info = algInfo('ED25519');
      const pub = own(ed.importPublicKeyData(copy(publicKey), info));
      return ed.verifyHash(pub, algId('SHA512'), copy(message), copy(signature)) === true;
    });
  } catch {
    return false;
  }
}

/**
 * Many signatures under ONE public key, same answers as `ed25519Verify` on each. Where the platform's WebCrypto has
 * Ed25519 (Chromium 137+, Node 20) the checks run there: in Chromium off the worker's JS thread and about twice as
 * fast as the WASM. Elsewhere, or if the platform refuses the key, each is checked with `ed25519Verify`.
 * Never rejects for bad bytes: a malformed item is `false`.
 */
export async function ed25519VerifyMany(publicKey: Uint8Array, items: ReadonlyArray<{ message: Uint8Array; signature: Uint8Array }>): Promise<boolean[]> {
  const check = await ed25519Verifier(publicKey);
  return Promise.all(items.map(({ message, signature }) => check(message, signature)));
}

/**
 * `ed25519VerifyMany` in two steps, for callers with other work to do meanwhile: resolves (after importing the key
 * into WebCrypto where it can) to a function that STARTS one check and returns the promise of its answer. Checks
 * started before a long synchronous task run during it on the platform's crypto thread. Without WebCrypto Ed25519
 * the function checks at once (WASM) and returns a settled promise. Bad types are Malformed, thrown by the function.
 */
export async function ed25519Verifier(publicKey: Uint8Array): Promise<(message: Uint8Array, signature: Uint8Array) => Promise<boolean>> {
  assertBytes(publicKey, 'Ed25519 public key', ED25519_PUBLIC_KEY_LEN);
  const key = copy(publicKey);
  const checked = (message: Uint8Array, signature: Uint8Array) => {
    assertBytes(message, 'message');
    assertBytes(signature, 'Ed25519 signature');
  };
  const wasm = (message: Uint8Array, signature: Uint8Array) => {
    checked(message, signature);
    return Promise.resolve(ed25519Verify(key, message, signature));
  };
  if (!(await webCryptoEd25519())) return wasm;
  let imported: CryptoKey;
  try {
    imported = await globalThis.crypto.subtle.importKey('raw', key as BufferSource, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return wasm; // a key the platform will not import (e.g. not a curve point): the WASM gives the answer
  }
  return (message, signature) => {
    checked(message, signature);
    if (signature.length !== ED25519_SIGNATURE_LEN) return Promise.resolve(false);
    return globalThis.crypto.subtle
      .verify({ name: 'Ed25519' }, imported, copy(signature) as BufferSource, copy(message) as BufferSource)
      .catch(() => false);
  };
}

/** RFC 8032 section 7.1, TEST 2 (one-byte message): the platform must accept it and refuse it altered. */
const RFC8032_TEST2 = {
  publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: '72',
  signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};
let webCryptoEd25519Ready: Promise<boolean> | undefined;

/** Whether WebCrypto Ed25519 is present and correct here (checked once on a known answer, in both directions). */
function webCryptoEd25519(): Promise<boolean> {
  webCryptoEd25519Ready ??= (async () => {
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) return false;
    const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
    try {
      const key = await subtle.importKey('raw', hex(RFC8032_TEST2.publicKey) as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      const signature = hex(RFC8032_TEST2.signature);
      const good = await subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, hex(RFC8032_TEST2.message) as BufferSource);
      const bad = await subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, hex('73') as BufferSource);
      return good === true && bad === false;
    } catch {
      return false;
    }
  })();
  return webCryptoEd25519Ready;
}

// ---- Ed25519 -> X25519 (birational map, as libsodium's crypto_sign_ed25519_*_to_curve25519) ----

const FIELD_P = (1n << 255n) - 19n;

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function bigIntToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The X25519 (Montgomery u) form of an Ed25519 public key: u = (1 + y) / (1 - y) mod p.
 * Public data only, so plain BigInt arithmetic is fine. Refuses non-canonical y and the
 * identity point; low-order results are caught later by `x25519` (zero shared secret).
 */
export function ed25519PublicKeyToX25519(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'Ed25519 public key', ED25519_PUBLIC_KEY_LEN);
  // Public data, converted with a slow BigInt inversion: remember recent results.
  const cacheKey = String.fromCharCode(...publicKey);
  const cached = conversionCache.get(cacheKey);
  if (cached) return cached.slice();
  const u = convertPublicKey(publicKey);
  if (conversionCache.size >= 256) conversionCache.delete(conversionCache.keys().next().value!);
  conversionCache.set(cacheKey, u.slice());
  return u;
}

const conversionCache = new Map<string, Uint8Array>();

function convertPublicKey(publicKey: Uint8Array): Uint8Array {
  const yBytes = publicKey.slice();
  yBytes[31]! &= 0x7f; // drop the sign bit of x
  const y = bytesToBigIntLE(yBytes);
  if (y >= FIELD_P) malformed('Ed25519 public key is not canonical');
  const denominator = (1n - y + FIELD_P) % FIELD_P;
  if (denominator === 0n) malformed('Ed25519 public key is the identity point');
  const u = ((1n + y) * modPow(denominator, FIELD_P - 2n, FIELD_P)) % FIELD_P;
  return bigIntToBytesLE(u, X25519_KEY_LEN);
}

/** The X25519 private scalar of an Ed25519 seed: the clamped first half of SHA-512(seed) (RFC 8032 §5.1.5). */
export function ed25519PrivateKeyToX25519(privateKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'Ed25519 private key', ED25519_PRIVATE_KEY_LEN);
  const h = sha512(privateKey);
  const scalar = h.slice(0, X25519_KEY_LEN);
  h.fill(0);
  scalar[0]! &= 248;
  scalar[31]! &= 127;
  scalar[31]! |= 64;
  return scalar;
}

// ---- hashes, HMAC, HKDF -----------------------------------------------------------------------

export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withWasm((own) => copy(own(new (foundation().Sha256)()).hash(copy(data))));
}

export function sha512(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return withWasm((own) => copy(own(new (foundation().Sha512)()).hash(copy(data))));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'HMAC key');
  assertBytes(data, 'data');
  return withWasm((own) => {
    const f = foundation();
    const mac = own(new f.Hmac());
    mac.hash = own(new f.Sha256());
    return copy(mac.mac(copy(key), copy(data)));
  });
}

/** HKDF-SHA256 (RFC 5869) extract-and-expand to `length` bytes. An empty salt means "no salt". */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertBytes(ikm, 'HKDF input key material');
  assertBytes(salt, 'HKDF salt');
  assertBytes(info, 'HKDF info');
  if (!Number.isSafeInteger(length) || length < 1 || length > HKDF_SHA256_MAX_OUTPUT) malformed('bad HKDF length');
  return withWasm((own) => {
    const f = foundation();
    const hkdf = own(new f.Hkdf());
    hkdf.hash = own(new f.Sha256());
    hkdf.reset(copy(salt), 0);
    hkdf.setInfo(copy(info));
    const out = copy(hkdf.derive(copy(ikm), length));
    if (out.length !== length) fail(ErrorCode.Internal, 'HKDF returned a short output');
    return out;
  });
}

// ---- AES-256-GCM ------------------------------------------------------------------------------

function checkGcmKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  assertBytes(key, 'AES-256 key', AES256_KEY_LEN);
  assertBytes(nonce, 'GCM nonce', AES_GCM_NONCE_LEN);
  // The foundation asserts (aborting the WASM) on an all-zero key; it can only come from a bug.
  if (isAllZero(key)) malformed('AES-256 key is all zero');
}

/** AES-256-GCM; returns ciphertext || 16-byte tag. `aad` is authenticated, not encrypted. */
export function aes256GcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkGcmKeyNonce(key, nonce);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'associated data');
  return withWasm((own) => {
    const gcm = own(new (foundation().Aes256Gcm)());
    gcm.setKey(copy(key));
    gcm.setNonce(copy(nonce));
    const { out, tag } = gcm.authEncrypt(copy(plaintext), copy(aad)) as { out: Uint8Array; tag: Uint8Array };
    if (tag.length !== AES_GCM_TAG_LEN) fail(ErrorCode.Internal, 'GCM tag has the wrong length');
    const result = new Uint8Array(out.length + tag.length);
    result.set(out, 0);
    result.set(tag, out.length);
    return result;
  });
}

/** Opens ciphertext || tag; throws Tampered if authentication fails, Malformed if it is too short. */
export function aes256GcmDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkGcmKeyNonce(key, nonce);
  assertBytes(ciphertext, 'ciphertext');
  assertBytes(aad, 'associated data');
  // Shorter than a tag aborts the WASM: refuse it here.
  if (ciphertext.length < AES_GCM_TAG_LEN) malformed('ciphertext shorter than the GCM tag');
  return withWasm((own) => {
    const gcm = own(new (foundation().Aes256Gcm)());
    gcm.setKey(copy(key));
    gcm.setNonce(copy(nonce));
    try {
      // The foundation wants the tag appended to the data and an empty separate tag.
      return copy(gcm.authDecrypt(copy(ciphertext), copy(aad), new Uint8Array(0)));
    } catch {
      return fail(ErrorCode.Tampered, 'AEAD authentication failed');
    }
  });
}

// ---- byte helpers -----------------------------------------------------------------------------

/** Constant-time equality for MACs, tags and tokens (time depends on length only). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, 'a');
  assertBytes(b, 'b');
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) {
    assertBytes(p, 'part');
    length += p.length;
  }
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a string (labels, info strings). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Overwrites secret bytes we no longer need (best effort; JS may have copied them). */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
