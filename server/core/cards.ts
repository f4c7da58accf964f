/**
 * Cards v5, as virgil-sdk 6.2's CardClient expects them.
 *
 * Publish checks, in order: snapshot decodes (base64 → strict UTF-8 → JSON card content);
 * its identity equals the token's; the self signature verifies with the snapshot's key;
 * `previous_card_id` (if any) is an active card of the same identity (then superseded,
 * atomically with the insert). The server adds its `app` signature (virgil-sdk ModelSigner)
 * and stores the model with every received signature untouched (e.g. an `identity`
 * cross-signature), returning exactly what it will serve later.
 */
import { createHash } from 'node:crypto';
import { ModelSigner, RawSignedModel } from 'virgil-sdk';
import { VirgilCardCrypto, type VirgilCrypto, type VirgilPublicKey } from 'virgil-crypto';
import { CARD_ID_RE, Limits, type CardContent, type RawSignatureJson, type RawSignedModelJson } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { CardRecord, Repository } from '../storage/repository';
import type { AppIdentity } from './appIdentity';
import { MAX_PUBLIC_KEY_BYTES, MAX_SIGNATURE_BYTES, tryImportPublicKey, verifies } from './crypto';
import { decodeBase64, decodeUtf8, requireCardId } from './validate';

export const APP_SIGNER = 'app';
const SELF_SIGNER = 'self';
const CARD_VERSION = '5.0';
const MAX_SIGNER_LENGTH = 64;

export interface PublishedCard {
  id: string;
  /** JSON text of the RawSignedModel as served */
  model: string;
}

export interface FetchedCard {
  model: string;
  /** superseded by a newer card or revoked */
  outdated: boolean;
}

export class CardService {
  private readonly signer: ModelSigner;
  private readonly keys = new Map<string, VirgilPublicKey>();

  constructor(
    private readonly crypto: VirgilCrypto,
    private readonly repo: Repository,
    private readonly app: AppIdentity,
    private readonly now: () => number,
  ) {
    this.signer = new ModelSigner(new VirgilCardCrypto(crypto));
  }

  async publish(tokenIdentity: string, raw: RawSignedModelJson): Promise<PublishedCard> {
    const snapshotBytes = decodeBase64(raw.content_snapshot, 'content_snapshot', Limits.cardSnapshotMaxBytes);
    const snapshot = decodeUtf8(snapshotBytes, 'content_snapshot');
    const content = parseContent(snapshot);
    if (content.identity !== tokenIdentity) {
      fail(ErrorCode.Forbidden, 'card identity does not match the access token identity');
    }
    const signatures = checkSignatures(raw.signatures);
    const publicKey = tryImportPublicKey(this.crypto, decodeBase64(content.public_key, 'public_key', MAX_PUBLIC_KEY_BYTES));
    if (!publicKey) fail(ErrorCode.Malformed, 'public_key is not a virgil public key');
    const self = signatures.find((s) => s.signer === SELF_SIGNER)!;
    const signedBytes = self.snapshot == null
      ? snapshotBytes
      : Buffer.concat([snapshotBytes, decodeBase64(self.snapshot, 'signature snapshot', Limits.cardSnapshotMaxBytes)]);
    const selfSignature = decodeBase64(self.signature, 'self signature', MAX_SIGNATURE_BYTES);
    if (!verifies(this.crypto, signedBytes, selfSignature, publicKey)) {
      fail(ErrorCode.BadSignature, 'self signature does not verify with the card public key');
    }

    const id = cardIdOf(snapshotBytes);
    const previousCardId = content.previous_card_id ?? null;
    if (previousCardId === null &&
      (await this.repo.searchActiveCards([content.identity])).length >= Limits.activeCardsPerIdentity) {
      fail(ErrorCode.StorageFull, `at most ${Limits.activeCardsPerIdentity} active cards per identity; revoke or supersede one`);
    }
    if (previousCardId !== null) {
      const previous = await this.repo.getCard(previousCardId);
      if (!previous) fail(ErrorCode.NotFound, 'previous_card_id names no card');
      if (previous.identity !== content.identity) fail(ErrorCode.Forbidden, 'previous card belongs to another identity');
    }

    const model: RawSignedModelJson = {
      content_snapshot: raw.content_snapshot,
      signatures: [...raw.signatures, { signer: APP_SIGNER, signature: this.appSignature(snapshot) }],
    };
    const record: CardRecord = {
      id, identity: content.identity, publicKey: content.public_key, model: JSON.stringify(model), createdAt: this.now(),
      previousCardId, supersededBy: null, revokedAt: null,
    };
    const result = await this.repo.insertCard(record);
    if (result === 'exists') fail(ErrorCode.Conflict, 'this card is already published');
    if (result === 'previous-not-active') fail(ErrorCode.Conflict, 'previous card is already superseded or revoked');
    return { id, model: record.model };
  }

  async get(cardId: string): Promise<FetchedCard> {
    const card = await this.repo.getCard(requireCardId(cardId));
    if (!card) fail(ErrorCode.NotFound, 'no such card');
    return { model: card.model, outdated: card.supersededBy !== null || card.revokedAt !== null };
  }

  /** JSON text of the array of active cards' RawSignedModels. */
  async search(identities: readonly string[]): Promise<string> {
    if (identities.length === 0 || identities.length > Limits.searchMaxIdentities) {
      fail(ErrorCode.Malformed, `identities must hold 1-${Limits.searchMaxIdentities} entries`);
    }
    const cards = await this.repo.searchActiveCards([...new Set(identities)]);
    return `[${cards.map((c) => c.model).join(',')}]`;
  }

  async revoke(tokenIdentity: string, cardId: string): Promise<void> {
    const card = await this.ownedCard(tokenIdentity, cardId);
    await this.repo.revokeCard(card.id, this.now());
  }

  /** A card of `identity` (any state); NotFound / Forbidden otherwise. */
  async ownedCard(identity: string, cardId: string): Promise<CardRecord> {
    const card = await this.repo.getCard(requireCardId(cardId));
    if (!card) fail(ErrorCode.NotFound, 'no such card');
    if (card.identity !== identity) fail(ErrorCode.Forbidden, 'this card belongs to another identity');
    return card;
  }

  /** An active card of `identity`; NotFound / Forbidden / Conflict (not active) otherwise. */
  async ownedActiveCard(identity: string, cardId: string): Promise<CardRecord> {
    const card = await this.ownedCard(identity, cardId);
    if (card.supersededBy !== null || card.revokedAt !== null) fail(ErrorCode.Conflict, 'card is superseded or revoked');
    return card;
  }

  /** The card's public key, imported once per process. */
  publicKeyOf(card: CardRecord): VirgilPublicKey {
    let key = this.keys.get(card.id);
    if (!key) {
      key = tryImportPublicKey(this.crypto, Buffer.from(card.publicKey, 'base64')) ?? undefined;
      if (!key) fail(ErrorCode.Internal, 'stored card key does not import');
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(card.id, key);
    }
    return key;
  }

  private appSignature(snapshot: string): string {
    const model = new RawSignedModel(snapshot, []);
    this.signer.sign({ model, signerPrivateKey: this.app.privateKey, signer: APP_SIGNER });
    return model.signatures[0]!.signature;
  }
}

/** Card id = hex of the first 32 bytes of SHA-512 of the snapshot (virgil-sdk generateCardId). */
export function cardIdOf(snapshot: Uint8Array): string {
  return createHash('sha512').update(snapshot).digest().subarray(0, 32).toString('hex');
}

function parseContent(snapshot: string): CardContent {
  let value: unknown;
  try {
    value = JSON.parse(snapshot);
  } catch {
    fail(ErrorCode.Malformed, 'content_snapshot is not JSON');
  }
  const c = value as Partial<Record<keyof CardContent, unknown>> | null;
  if (typeof c !== 'object' || c === null) fail(ErrorCode.Malformed, 'content_snapshot is not a JSON object');
  if (typeof c.identity !== 'string' || c.identity.length === 0 || c.identity.length > Limits.identityMaxLength) {
    fail(ErrorCode.Malformed, 'card identity missing or too long');
  }
  if (typeof c.public_key !== 'string') fail(ErrorCode.Malformed, 'card public_key missing');
  if (c.version !== CARD_VERSION) fail(ErrorCode.UnsupportedVersion, `card version must be "${CARD_VERSION}"`);
  if (typeof c.created_at !== 'number' || !Number.isSafeInteger(c.created_at) || c.created_at < 0) {
    fail(ErrorCode.Malformed, 'card created_at must be a unix time in seconds');
  }
  if (c.previous_card_id !== undefined && c.previous_card_id !== null &&
    (typeof c.previous_card_id !== 'string' || !CARD_ID_RE.test(c.previous_card_id))) {
    fail(ErrorCode.Malformed, 'previous_card_id must be a card id');
  }
  return {
    identity: c.identity, public_key: c.public_key, version: c.version, created_at: c.created_at,
    ...(typeof c.previous_card_id === 'string' ? { previous_card_id: c.previous_card_id } : {}),
  };
}

function checkSignatures(signatures: unknown): RawSignatureJson[] {
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > Limits.cardMaxSignatures) {
    fail(ErrorCode.Malformed, `signatures must hold 1-${Limits.cardMaxSignatures} entries`);
  }
  const seen = new Set<string>();
  for (const s of signatures as Partial<RawSignatureJson>[]) {
    if (typeof s !== 'object' || s === null || typeof s.signer !== 'string' || typeof s.signature !== 'string') {
      fail(ErrorCode.Malformed, 'each signature needs signer and signature strings');
    }
    if (s.signer.length === 0 || s.signer.length > MAX_SIGNER_LENGTH) fail(ErrorCode.Malformed, 'signer name length');
    if (seen.has(s.signer)) fail(ErrorCode.Malformed, `duplicate ${s.signer} signature`);
    seen.add(s.signer);
    decodeBase64(s.signature, `${s.signer} signature`, MAX_SIGNATURE_BYTES);
    if (s.snapshot != null) {
      decodeUtf8(decodeBase64(s.snapshot, `${s.signer} signature snapshot`, Limits.cardSnapshotMaxBytes), 'signature snapshot');
    }
  }
  if (seen.has(APP_SIGNER)) fail(ErrorCode.Malformed, 'the app signature is added by the directory, not the client');
  if (!seen.has(SELF_SIGNER)) fail(ErrorCode.Malformed, 'a self signature is required');
  return signatures as RawSignatureJson[];
}
