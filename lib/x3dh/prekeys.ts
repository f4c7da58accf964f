/**
 * Prekeys: generation, the directory's JSON form, bundle verification, and the local store.
 *
 * Each device publishes one *signed prekey* (rotated on a schedule) and a pool of *one-time
 * prekeys* (each handed out by the directory at most once). Both are X25519 keys signed by the
 * device card key over `prekeySignedBytes(kind, cardId, keyId, createdAt, publicKey)`
 * (lib/directory/wire.ts), so a directory cannot substitute its own keys or move a prekey to
 * another card or role. Private halves stay in a `PrekeyStore` on the device.
 *
 * Example:
 * ```ts
 * // Bob publishes
 * const { stored, wire } = generateSignedPrekey(bob, 1, Date.now());
 * await bobStore.put([stored]);            // private half stays on Bob's device
 * // PUT /v1/cards/:bobCardId/prekeys { signedPrekey: wire, oneTimePrekeys: [...] }
 * // Alice claims Bob's bundle and checks it against Bob's (already verified) card key
 * const verified = verifyPrekeyBundle(bundle, bobCardRawPublicKey); // throws BadSignature
 * ```
 */
import { ErrorCode, fail } from '../errors';
import { X25519_KEY_LEN, x25519GenerateKeyPair } from '../crypto/primitives';
import { PrekeyKind, prekeySignedBytes, type Prekey, type PrekeyBundle } from '../directory/wire';
import { fromBase64, toBase64 } from '../ratchet/codec';
import { assertCardId, virgilSign, virgilVerify, type DeviceIdentity } from './identity';

export type PrekeyRole = 'signed' | 'oneTime';

/** A prekey with its private half, as kept on the device. */
export interface StoredPrekey {
  readonly role: PrekeyRole;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  /** Secret. */
  readonly privateKey: Uint8Array;
  readonly createdAt: number;
  /** Signed prekeys: when a newer one replaced it (its grace period starts); null while current. */
  readonly retiredAt: number | null;
}

/** Public half of a verified prekey. */
export interface PublicPrekey {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  readonly createdAt: number;
}

/** A claimed bundle whose signatures checked out against the device card key. */
export interface VerifiedBundle {
  readonly cardId: string;
  readonly identity: string;
  readonly signingPublicKey: Uint8Array;
  readonly signedPrekey: PublicPrekey;
  readonly oneTimePrekey: PublicPrekey | null;
}

/**
 * Where a device keeps its private prekeys. All methods may be async (IndexedDB).
 * `takeKeyIds(n)` hands out `n` consecutive, never reused key ids (persistent counter).
 */
export interface PrekeyStore {
  get(role: PrekeyRole, keyId: number): Promise<StoredPrekey | undefined>;
  list(role: PrekeyRole): Promise<StoredPrekey[]>;
  put(prekeys: readonly StoredPrekey[]): Promise<void>;
  remove(role: PrekeyRole, keyId: number): Promise<void>;
  takeKeyIds(count: number): Promise<number>;
}

/** In-memory PrekeyStore (tests, and the reference for real implementations). */
export class MemoryPrekeyStore implements PrekeyStore {
  private readonly keys = new Map<string, StoredPrekey>();
  private next = 1;
  async get(role: PrekeyRole, keyId: number): Promise<StoredPrekey | undefined> {
    return this.keys.get(`${role}:${keyId}`);
  }
  async list(role: PrekeyRole): Promise<StoredPrekey[]> {
    return [...this.keys.values()].filter((k) => k.role === role);
  }
  async put(prekeys: readonly StoredPrekey[]): Promise<void> {
    for (const k of prekeys) this.keys.set(`${k.role}:${k.keyId}`, k);
  }
  async remove(role: PrekeyRole, keyId: number): Promise<void> {
    this.keys.delete(`${role}:${keyId}`);
  }
  async takeKeyIds(count: number): Promise<number> {
    const first = this.next;
    this.next += count;
    if (this.next > 0xffffffff) fail(ErrorCode.Internal, 'prekey ids exhausted');
    return first;
  }
}

const kindOf = (role: PrekeyRole): PrekeyKind => (role === 'signed' ? PrekeyKind.Signed : PrekeyKind.OneTime);

function signedBytes(role: PrekeyRole, cardId: string, keyId: number, createdAt: number, publicKey: Uint8Array): Uint8Array {
  try {
    return prekeySignedBytes(kindOf(role), cardId, keyId, createdAt, publicKey);
  } catch (e) {
    return fail(ErrorCode.Malformed, `bad prekey field: ${(e as Error).message}`);
  }
}

function generatePrekey(self: DeviceIdentity, role: PrekeyRole, keyId: number, now: number): { stored: StoredPrekey; wire: Prekey } {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) fail(ErrorCode.Malformed, 'keyId must be a uint32');
  const createdAt = Math.floor(now);
  const pair = x25519GenerateKeyPair();
  const signature = virgilSign(self.signingPrivateKey, signedBytes(role, self.cardId, keyId, createdAt, pair.publicKey));
  return {
    stored: { role, keyId, publicKey: pair.publicKey, privateKey: pair.privateKey, createdAt, retiredAt: null },
    wire: { keyId, publicKey: toBase64(pair.publicKey), createdAt, signature: toBase64(signature) },
  };
}

/** A new signed prekey (private half to store, JSON form to upload). */
export function generateSignedPrekey(self: DeviceIdentity, keyId: number, now: number): { stored: StoredPrekey; wire: Prekey } {
  return generatePrekey(self, 'signed', keyId, now);
}

/** `count` one-time prekeys with ids firstKeyId, firstKeyId + 1, ... */
export function generateOneTimePrekeys(
  self: DeviceIdentity,
  firstKeyId: number,
  count: number,
  now: number,
): { stored: StoredPrekey[]; wire: Prekey[] } {
  const stored: StoredPrekey[] = [];
  const wire: Prekey[] = [];
  for (let i = 0; i < count; i++) {
    const p = generatePrekey(self, 'oneTime', firstKeyId + i, now);
    stored.push(p.stored);
    wire.push(p.wire);
  }
  return { stored, wire };
}

/** Checks a prekey from the directory against the card key; throws Malformed / BadSignature. */
export function verifyPrekey(role: PrekeyRole, cardId: string, prekey: Prekey, signingPublicKey: Uint8Array): PublicPrekey {
  if (typeof prekey !== 'object' || prekey === null) fail(ErrorCode.Malformed, 'prekey missing');
  const { keyId, createdAt } = prekey;
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) fail(ErrorCode.Malformed, 'bad prekey id');
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) fail(ErrorCode.Malformed, 'bad prekey time');
  const publicKey = fromBase64(prekey.publicKey, X25519_KEY_LEN);
  const signature = fromBase64(prekey.signature);
  if (!virgilVerify(signingPublicKey, signedBytes(role, cardId, keyId, createdAt, publicKey), signature)) {
    fail(ErrorCode.BadSignature, `${role} prekey ${keyId} is not signed by card ${cardId.slice(0, 8)}`);
  }
  return { keyId, publicKey, createdAt };
}

/**
 * Verifies a claimed bundle with the card's raw Ed25519 public key (from a card the caller has
 * already verified: self + app + identity signatures). Both prekeys must be signed by that card.
 */
export function verifyPrekeyBundle(bundle: PrekeyBundle, signingPublicKey: Uint8Array): VerifiedBundle {
  if (typeof bundle !== 'object' || bundle === null) fail(ErrorCode.Malformed, 'bundle missing');
  assertCardId(bundle.cardId);
  if (typeof bundle.identity !== 'string') fail(ErrorCode.Malformed, 'bundle identity missing');
  return {
    cardId: bundle.cardId,
    identity: bundle.identity,
    signingPublicKey,
    signedPrekey: verifyPrekey('signed', bundle.cardId, bundle.signedPrekey, signingPublicKey),
    oneTimePrekey: bundle.oneTimePrekey === null ? null : verifyPrekey('oneTime', bundle.cardId, bundle.oneTimePrekey, signingPublicKey),
  };
}
