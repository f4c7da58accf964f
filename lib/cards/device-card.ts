/**
 * Device cards: parsing a virgil-sdk v5 card into the fields Overcrypt uses, and
 * building one with the cross-signatures (`self`, `identity`, optionally `previous`).
 *
 * Card JSON on the wire is virgil-sdk's RawSignedModel:
 *   { content_snapshot: base64(JSON{identity, public_key, version, created_at, previous_card_id?}),
 *     signatures: [{signer, signature: base64, snapshot?: base64(JSON extra fields)}] }
 * Card id = hex(SHA-512(content_snapshot)[0..32]), exactly as virgil-sdk computes it.
 */
import { HashAlgorithm, type VirgilPrivateKey, type VirgilPublicKey } from 'virgil-crypto';
import { ModelSigner, RawSignedModel, type IRawSignedModelJson } from 'virgil-sdk';
import { VirgilCardCrypto } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { ErrorCode, fail } from '../errors';
import { Limits, normaliseIdentity } from '../directory/wire';
import { bytesOf, decodeBase64, fromUtf8, toHex } from './bytes';
import { exportPublicKeyBase64, importPublicKeyBase64, type KeyPair } from './keys';
import { IDENTITY_KEY_FIELD, PREVIOUS_CARD_FIELD, Signer } from './signers';

export type RawCardJson = IRawSignedModelJson;

export interface CardSignature {
  signer: string;
  /** base64 signature bytes */
  signature: string;
  /** the extra snapshot (UTF-8 JSON) that the signature also covers, if any */
  snapshot?: string;
}

/** A parsed device card. Parsing does not verify; see `verifyDeviceCard`. */
export interface DeviceCard {
  id: string;
  identity: string;
  /** base64 DER Ed25519 public key of the device */
  publicKey: string;
  /** ms since epoch (cards carry seconds) */
  createdAt: number;
  previousCardId?: string;
  /** identity public key the `identity` signature claims (not yet checked against any pin) */
  claimedIdentityKey?: string;
  contentSnapshot: string;
  signatures: CardSignature[];
  raw: RawCardJson;
}

/** Limits on what a card from the directory may contain, checked before parsing or any WASM call. */
export const CARD_LIMITS = { maxSnapshotBytes: Limits.cardSnapshotMaxBytes, maxSignatures: Limits.cardMaxSignatures } as const;
const CARD_ID_RE = /^[0-9a-f]{64}$/;

export function isCardId(value: unknown): value is string {
  return typeof value === 'string' && CARD_ID_RE.test(value);
}

/**
 * Identities must be in the directory's canonical form (lib/directory/wire.ts
 * `normaliseIdentity`: lower-case printable ASCII, 1..128); virgil-crypto also
 * mis-encodes anything above U+00FF.
 */
export function isValidIdentity(identity: unknown): identity is string {
  return typeof identity === 'string' && normaliseIdentity(identity) === identity;
}

export function cardIdOf(contentSnapshot: string): string {
  const hash = virgil().calculateHash(contentSnapshot, HashAlgorithm.SHA512);
  return toHex(bytesOf(hash).subarray(0, 32));
}

/** Parses RawSignedModel JSON; throws `Malformed` for anything that is not a well-formed v5 card. */
export function parseDeviceCard(raw: unknown): DeviceCard {
  const json = raw as Partial<RawCardJson> | null;
  if (!json || typeof json !== 'object' || typeof json.content_snapshot !== 'string' || !Array.isArray(json.signatures)) {
    fail(ErrorCode.Malformed, 'card is not a RawSignedModel');
  }
  const snapshotBytes = decodeBase64(json.content_snapshot, undefined, CARD_LIMITS.maxSnapshotBytes);
  const contentSnapshot = snapshotBytes && fromUtf8(snapshotBytes);
  if (contentSnapshot === undefined) fail(ErrorCode.Malformed, 'card snapshot is not base64 UTF-8');
  if (json.signatures.length === 0 || json.signatures.length > CARD_LIMITS.maxSignatures) fail(ErrorCode.Malformed, 'card signature count');
  const signatures = json.signatures.map(parseSignature);
  if (new Set(signatures.map((s) => s.signer)).size !== signatures.length) fail(ErrorCode.Malformed, 'duplicate card signer');
  const content = parseJsonObject(contentSnapshot);
  const { identity, public_key, version, created_at, previous_card_id } = content;
  if (!isValidIdentity(identity)) fail(ErrorCode.Malformed, 'card identity');
  if (version !== '5.0' || typeof public_key !== 'string' || typeof created_at !== 'number' || !Number.isSafeInteger(created_at)) {
    fail(ErrorCode.Malformed, 'card content');
  }
  if (previous_card_id !== undefined && !isCardId(previous_card_id)) fail(ErrorCode.Malformed, 'card previous_card_id');
  importPublicKeyBase64(public_key).dispose?.();
  const identitySig = signatures.find((s) => s.signer === Signer.Identity);
  const claimed = identitySig?.snapshot !== undefined ? parseJsonObject(identitySig.snapshot)[IDENTITY_KEY_FIELD] : undefined;
  return {
    id: cardIdOf(contentSnapshot),
    identity,
    publicKey: public_key,
    createdAt: created_at * 1000,
    ...(previous_card_id !== undefined ? { previousCardId: previous_card_id } : {}),
    ...(typeof claimed === 'string' ? { claimedIdentityKey: claimed } : {}),
    contentSnapshot,
    signatures,
    raw: { content_snapshot: json.content_snapshot, signatures: json.signatures.map((s) => ({ ...s })) },
  };
}

function parseSignature(raw: unknown): CardSignature {
  const s = raw as { signer?: unknown; signature?: unknown; snapshot?: unknown } | null;
  if (!s || typeof s.signer !== 'string' || !/^[a-z]{1,32}$/.test(s.signer) || typeof s.signature !== 'string') {
    fail(ErrorCode.Malformed, 'card signature');
  }
  if (!decodeBase64(s.signature, undefined, 512)) fail(ErrorCode.Malformed, 'card signature bytes');
  if (s.snapshot === undefined || s.snapshot === null || s.snapshot === '') return { signer: s.signer, signature: s.signature };
  const bytes = typeof s.snapshot === 'string' ? decodeBase64(s.snapshot, undefined, CARD_LIMITS.maxSnapshotBytes) : undefined;
  const snapshot = bytes && fromUtf8(bytes);
  if (snapshot === undefined) fail(ErrorCode.Malformed, 'card signature snapshot');
  return { signer: s.signer, signature: s.signature, snapshot };
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(ErrorCode.Malformed, 'card JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(ErrorCode.Malformed, 'card JSON object');
  return value as Record<string, unknown>;
}

/** True when `signer`'s signature over snapshot (+ its extra snapshot) verifies under `publicKey`. */
export function verifyCardSignature(card: DeviceCard, signer: string, publicKey: VirgilPublicKey): boolean {
  const sig = card.signatures.find((s) => s.signer === signer);
  if (!sig) return false;
  const signature = decodeBase64(sig.signature, undefined, 512);
  if (!signature || signature.length < 64) return false;
  try {
    return virgil().verifySignature(card.contentSnapshot + (sig.snapshot ?? ''), signature, publicKey);
  } catch {
    return false;
  }
}

export interface NewDeviceCardParams {
  identity: string;
  deviceKey: KeyPair;
  identityKey: KeyPair;
  /** The card this one replaces, with its private key so it can co-sign the replacement. */
  previous?: { cardId: string; privateKey: VirgilPrivateKey };
  /** Card creation time; defaults to now (cards carry whole seconds). */
  now?: number;
}

/**
 * Builds a card signed by `self`, cross-signed by the identity key (`identity`,
 * extra snapshot = the identity public key), and by the replaced card's key
 * (`previous`) when replacing. The directory adds `app` when publishing.
 */
export function buildDeviceCard(params: NewDeviceCardParams): RawSignedModel {
  if (!isValidIdentity(params.identity)) fail(ErrorCode.Malformed, 'identity must be printable ASCII');
  if (params.previous && !isCardId(params.previous.cardId)) fail(ErrorCode.Malformed, 'previous card id');
  const details = {
    identity: params.identity,
    ...(params.previous ? { previous_card_id: params.previous.cardId } : {}),
    created_at: Math.floor((params.now ?? Date.now()) / 1000),
    version: '5.0',
    public_key: exportPublicKeyBase64(params.deviceKey.publicKey),
  };
  const model = new RawSignedModel(JSON.stringify(details), []);
  const signer = new ModelSigner(new VirgilCardCrypto(virgil()));
  signer.sign({ model, signerPrivateKey: params.deviceKey.privateKey, signer: Signer.Self });
  signer.sign({
    model,
    signerPrivateKey: params.identityKey.privateKey,
    signer: Signer.Identity,
    extraFields: { [IDENTITY_KEY_FIELD]: exportPublicKeyBase64(params.identityKey.publicKey) },
  });
  if (params.previous) {
    signer.sign({
      model,
      signerPrivateKey: params.previous.privateKey,
      signer: Signer.Previous,
      extraFields: { [PREVIOUS_CARD_FIELD]: params.previous.cardId },
    });
  }
  return model;
}
