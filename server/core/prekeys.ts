/**
 * Prekeys (PFS), per card: the owner uploads a signed prekey and batches of one-time
 * prekeys, each signed by the card key over `prekeySignedBytes` (verified here before
 * storing); anyone authenticated claims one bundle per active card of an identity, and
 * each one-time prekey is handed out at most once (atomic in storage). Claims are limited
 * per claimer so nobody drains a user's one-time keys. A claim may name the cards it wants
 * (`cardIds`), so a session with one new device does not use up prekeys of the others.
 */
import type { VirgilCrypto } from 'virgil-crypto';
import {
  Limits, PrekeyKind, prekeySignedBytes, type ClaimPrekeysResponse, type Prekey, type PrekeyStatus, type UploadPrekeysRequest,
} from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { CardRecord, Repository, StoredPrekey } from '../storage/repository';
import type { CardService } from './cards';
import { MAX_SIGNATURE_BYTES, verifies } from './crypto';
import { WindowLimiter } from './rateLimit';
import { decodeBase64 } from './validate';

export interface PrekeysConfig {
  /** claims per claimer identity per minute (default 300) */
  claimsPerMinute?: number;
}

export class PrekeyService {
  private readonly claims: WindowLimiter;

  constructor(
    private readonly crypto: VirgilCrypto,
    private readonly repo: Repository,
    private readonly cards: CardService,
    config: PrekeysConfig,
    private readonly now: () => number,
  ) {
    this.claims = new WindowLimiter(config.claimsPerMinute ?? 300, 60_000, now);
  }

  async upload(identity: string, cardId: string, req: UploadPrekeysRequest): Promise<{ oneTimeCount: number }> {
    const card = await this.cards.ownedActiveCard(identity, cardId);
    const oneTime = req.oneTimePrekeys ?? [];
    if (!req.signedPrekey && oneTime.length === 0) fail(ErrorCode.Malformed, 'nothing to upload');
    if (oneTime.length > Limits.prekeyBatchMax) fail(ErrorCode.TooLarge, `at most ${Limits.prekeyBatchMax} one-time prekeys per upload`);
    if (new Set(oneTime.map((k) => k.keyId)).size !== oneTime.length) fail(ErrorCode.Malformed, 'duplicate one-time keyId');

    let signed: StoredPrekey | null = null;
    if (req.signedPrekey) {
      signed = this.checked(card, PrekeyKind.Signed, req.signedPrekey);
      const now = this.now();
      if (signed.createdAt < now - Limits.signedPrekeyMaxAgeMs) fail(ErrorCode.StalePrekey, 'signed prekey is too old');
      if (signed.createdAt > now + Limits.clockSkewMs) fail(ErrorCode.StalePrekey, 'signed prekey is from the future');
      const current = await this.repo.getSignedPrekey(card.id);
      if (current && current.createdAt > signed.createdAt) {
        fail(ErrorCode.StalePrekey, 'signed prekey is older than the current one');
      }
    }
    const checkedOneTime = oneTime.map((k) => this.checked(card, PrekeyKind.OneTime, k));
    if (checkedOneTime.length > 0) {
      const stored = await this.repo.countOneTimePrekeys(card.id);
      if (stored + checkedOneTime.length > Limits.oneTimePrekeysMaxStored) {
        fail(ErrorCode.StorageFull, `at most ${Limits.oneTimePrekeysMaxStored} unclaimed one-time prekeys per card`);
      }
    }
    return { oneTimeCount: await this.repo.putPrekeys(card.id, signed, checkedOneTime) };
  }

  async status(identity: string, cardId: string): Promise<PrekeyStatus> {
    const card = await this.cards.ownedCard(identity, cardId);
    const [oneTimeCount, signed] = await Promise.all([
      this.repo.countOneTimePrekeys(card.id),
      this.repo.getSignedPrekey(card.id),
    ]);
    return { oneTimeCount, signedPrekey: signed ? { keyId: signed.keyId, createdAt: signed.createdAt } : null };
  }

  /**
   * With `cardIds`, bundles only for those active cards of `identity` (a new device of someone
   * you already talk to costs none of their other devices' one-time prekeys); listed ids that
   * are not claimable cards of `identity` are left out of the answer.
   */
  async claim(claimer: string, identity: string, cardIds?: readonly string[]): Promise<ClaimPrekeysResponse> {
    if (cardIds !== undefined) checkCardIds(cardIds);
    if (!this.claims.hit(claimer)) fail(ErrorCode.RateLimited, 'too many prekey claims; slow down');
    const bundles = await this.repo.claimBundles(identity, claimer, this.now(), cardIds);
    return { bundles };
  }

  /** Validates shape and signature of one prekey against the card's key. */
  private checked(card: CardRecord, kind: PrekeyKind, k: Prekey): StoredPrekey {
    if (!Number.isInteger(k.keyId) || k.keyId < 0 || k.keyId > 0xffffffff) fail(ErrorCode.Malformed, 'keyId must be a uint32');
    if (!Number.isSafeInteger(k.createdAt) || k.createdAt < 0) fail(ErrorCode.Malformed, 'createdAt must be ms since epoch');
    const publicKey = decodeBase64(k.publicKey, 'prekey publicKey', 32);
    if (publicKey.length !== 32) fail(ErrorCode.Malformed, 'prekey publicKey must be 32 bytes');
    const signature = decodeBase64(k.signature, 'prekey signature', MAX_SIGNATURE_BYTES);
    const bytes = prekeySignedBytes(kind, card.id, k.keyId, k.createdAt, publicKey);
    if (!verifies(this.crypto, bytes, signature, this.cards.publicKeyOf(card))) {
      fail(ErrorCode.BadSignature, `prekey ${k.keyId} signature does not verify with the card key`);
    }
    return { keyId: k.keyId, publicKey: k.publicKey, createdAt: k.createdAt, signature: k.signature };
  }
}

/** The HTTP schema checks the same; the core does not rely on it. */
function checkCardIds(cardIds: readonly string[]): void {
  if (cardIds.length === 0 || cardIds.length > Limits.activeCardsPerIdentity) {
    fail(ErrorCode.Malformed, `cardIds must list 1-${Limits.activeCardsPerIdentity} card ids`);
  }
  if (!cardIds.every((id) => CARD_ID.test(id))) fail(ErrorCode.Malformed, 'cardIds must be card ids (64 lower-case hex)');
  if (new Set(cardIds).size !== cardIds.length) fail(ErrorCode.Malformed, 'duplicate card id in cardIds');
}

const CARD_ID = /^[0-9a-f]{64}$/;
