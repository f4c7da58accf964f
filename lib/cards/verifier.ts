/**
 * Card verification: what makes a device card trustworthy.
 *
 * A card is accepted only when all hold:
 *  1. `self`: signed by its own device key;
 *  2. `app`: signed by the PINNED app key (from configuration or managed policy; the
 *     directory cannot change it: we never use a key the directory hands us);
 *  3. `identity`: cross-signed by an identity key, whose public key is carried in the
 *     signature's extra snapshot, AND that key equals the contact's pinned identity key
 *     (when one is pinned; on first sight the caller pins it: TOFU).
 * A card naming `previous_card_id` must also be signed by that card's key (`previous`),
 * otherwise the replacement is reported as a key change (see `classifyReplacement`).
 */
import type { ICard, ICardVerifier } from 'virgil-sdk';
import { ErrorCode, fail } from '../errors';
import { decodeBase64, constantTimeEqual } from './bytes';
import { parseDeviceCard, verifyCardSignature, type DeviceCard } from './device-card';
import { importPublicKeyBase64, publicKeyDerFromBase64 } from './keys';
import { Signer } from './signers';

/** Keys that come from configuration or managed policy, never from the directory. */
export interface PinnedTrust {
  /** base64 DER Ed25519 public key of the app (directory co-signing key) */
  appPublicKey: string;
}

export type CardRejection =
  | 'malformed'
  | 'bad-self-signature'
  | 'bad-app-signature'
  | 'missing-identity-signature'
  | 'bad-identity-signature'
  | 'identity-key-mismatch';

export type CardCheck = { ok: true; identityKey: string } | { ok: false; reason: CardRejection };

/**
 * Checks signatures 1-3. `pinnedIdentityKey` undefined means "no pin yet": the card
 * must still be validly cross-signed, and the caller decides whether to pin its key.
 */
export function checkDeviceCard(card: DeviceCard, trust: PinnedTrust, pinnedIdentityKey?: string): CardCheck {
  const devicePublicKey = importPublicKeyBase64(card.publicKey);
  const appPublicKey = importPublicKeyBase64(trust.appPublicKey);
  try {
    if (!verifyCardSignature(card, Signer.Self, devicePublicKey)) return { ok: false, reason: 'bad-self-signature' };
    if (!verifyCardSignature(card, Signer.App, appPublicKey)) return { ok: false, reason: 'bad-app-signature' };
  } finally {
    devicePublicKey.dispose();
    appPublicKey.dispose();
  }
  const claimed = card.claimedIdentityKey;
  if (claimed === undefined) return { ok: false, reason: 'missing-identity-signature' };
  let identityPublicKey;
  try {
    identityPublicKey = importPublicKeyBase64(claimed);
  } catch {
    return { ok: false, reason: 'bad-identity-signature' };
  }
  try {
    if (!verifyCardSignature(card, Signer.Identity, identityPublicKey)) return { ok: false, reason: 'bad-identity-signature' };
  } finally {
    identityPublicKey.dispose();
  }
  if (pinnedIdentityKey !== undefined && !sameKey(claimed, pinnedIdentityKey)) return { ok: false, reason: 'identity-key-mismatch' };
  return { ok: true, identityKey: claimed };
}

/** Like `checkDeviceCard` but throws: `UntrustedIdentity` for a pin mismatch, `BadSignature` otherwise. */
export function verifyDeviceCard(card: DeviceCard, trust: PinnedTrust, pinnedIdentityKey?: string): string {
  const result = checkDeviceCard(card, trust, pinnedIdentityKey);
  if (result.ok) return result.identityKey;
  const code = result.reason === 'identity-key-mismatch' ? ErrorCode.UntrustedIdentity : ErrorCode.BadSignature;
  fail(code, `card ${card.id} rejected: ${result.reason}`, { cardId: card.id, reason: result.reason });
}

/**
 * For a card that names `previous_card_id`: true when the replaced card's key signed it
 * (an orderly device-key rotation), false when it did not (a key change to report).
 */
export function isSignedByPrevious(card: DeviceCard, previous: DeviceCard): boolean {
  if (card.previousCardId !== previous.id) return false;
  const key = importPublicKeyBase64(previous.publicKey);
  try {
    return verifyCardSignature(card, Signer.Previous, key);
  } finally {
    key.dispose();
  }
}

/** Compares two base64 public keys by their DER bytes. */
export function sameKey(a: string, b: string): boolean {
  const x = decodeBase64(a);
  const y = decodeBase64(b);
  return x !== undefined && y !== undefined && constantTimeEqual(x, y);
}

/**
 * virgil-sdk `ICardVerifier` used by our CardManager for publish and get: the
 * directory-independent checks (self, pinned app, a valid identity cross-signature).
 * Whether the identity key is the contact's pinned one is decided by the contact store.
 */
export class DeviceCardVerifier implements ICardVerifier {
  constructor(private readonly trust: PinnedTrust) {
    publicKeyDerFromBase64(trust.appPublicKey);
  }

  verifyCard(card: ICard): boolean {
    try {
      return checkDeviceCard(parseDeviceCard(toRawJson(card)), this.trust).ok;
    } catch {
      return false;
    }
  }
}

function toRawJson(card: ICard): unknown {
  const enc = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  return {
    content_snapshot: enc(card.contentSnapshot),
    signatures: card.signatures.map((s) => ({ signer: s.signer, signature: s.signature, ...(s.snapshot ? { snapshot: enc(s.snapshot) } : {}) })),
  };
}
