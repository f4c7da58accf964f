/**
 * The directory's card routes through virgil-sdk's CardManager, with a fetch-based
 * connection (works in a service worker) and our verifier (self + pinned app +
 * identity cross-signature).
 *
 * Search deliberately does not use `CardManager.searchCards`: that rejects the whole
 * result when one card fails verification, so one rogue card would hide all of a
 * contact's genuine devices. We verify card by card and report the rejected ones.
 */
import { CallbackJwtProvider, CardManager, RawSignedModel } from 'virgil-sdk';
import { VirgilCardCrypto } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { Limits } from '../directory/wire';
import { ErrorCode, OvercryptError, fail } from '../errors';
import { buildDeviceCard, isCardId, isValidIdentity, parseDeviceCard, type DeviceCard, type NewDeviceCardParams } from './device-card';
import { FetchConnection, useFetchConnection, type FetchLike } from './fetch-connection';
import { checkDeviceCard, DeviceCardVerifier, type CardRejection, type PinnedTrust } from './verifier';

export interface CardDirectoryOptions extends PinnedTrust {
  /** Directory base URL, e.g. http://127.0.0.1:8787 */
  apiUrl: string;
  /** Returns the directory's virgil JWT (from POST /v1/session); `forceReload` after a 401. */
  getToken: (forceReload: boolean) => Promise<string>;
  fetch?: FetchLike;
}

export interface RejectedCard {
  cardId?: string;
  identity?: string;
  reason: CardRejection;
}

export interface CardSearchResult {
  /** Structurally valid cards (self + pinned app + valid identity cross-signature). Pin check is the caller's. */
  cards: DeviceCard[];
  rejected: RejectedCard[];
}

/** Identities per request (the directory's limit); `search` splits longer lists. */
export const SEARCH_BATCH = Limits.searchMaxIdentities;
export const MAX_SEARCH_IDENTITIES = 1000;

export class CardDirectory {
  readonly manager: CardManager;
  private readonly trust: PinnedTrust;

  constructor(options: CardDirectoryOptions) {
    this.trust = { appPublicKey: options.appPublicKey };
    this.manager = new CardManager({
      cardCrypto: new VirgilCardCrypto(virgil()),
      cardVerifier: new DeviceCardVerifier(this.trust),
      accessTokenProvider: new CallbackJwtProvider((context) => options.getToken(Boolean(context.forceReload))),
      retryOnUnauthorized: true,
      apiUrl: options.apiUrl,
    });
    useFetchConnection(this.manager, new FetchConnection(options.apiUrl, options.fetch));
  }

  /** Builds the cross-signed card (see `buildDeviceCard`), publishes it, returns it with the app signature. */
  async publishDeviceCard(params: NewDeviceCardParams): Promise<DeviceCard> {
    const raw = buildDeviceCard(params);
    const card = await this.call(() => this.manager.publishRawCard(raw));
    return parseDeviceCard(this.manager.exportCardAsJson(card));
  }

  /** Active cards of `identities`, each verified on its own; cards failing verification are reported, not returned. */
  async search(identities: string[]): Promise<CardSearchResult> {
    if (identities.length === 0 || identities.length > MAX_SEARCH_IDENTITIES || !identities.every(isValidIdentity)) {
      fail(ErrorCode.Malformed, 'search identities');
    }
    const unique = [...new Set(identities)];
    const wanted = new Set(unique);
    const result: CardSearchResult = { cards: [], rejected: [] };
    for (let i = 0; i < unique.length; i += SEARCH_BATCH) {
      const batch = unique.slice(i, i + SEARCH_BATCH);
      const raws = await this.call(async () => {
        const token = await this.manager.accessTokenProvider.getToken({ service: 'cards', operation: 'search' });
        return this.manager.client.searchCards(batch, token.toString());
      });
      for (const raw of raws) this.admit(raw, wanted, result);
    }
    return result;
  }

  /** One card by id (superseded/revoked cards come back with `isOutdated: true`). */
  async getCard(cardId: string): Promise<{ card: DeviceCard; isOutdated: boolean }> {
    if (!isCardId(cardId)) fail(ErrorCode.Malformed, 'card id');
    const card = await this.call(() => this.manager.getCard(cardId));
    return { card: parseDeviceCard(this.manager.exportCardAsJson(card)), isOutdated: card.isOutdated };
  }

  async revoke(cardId: string): Promise<void> {
    if (!isCardId(cardId)) fail(ErrorCode.Malformed, 'card id');
    await this.call(() => this.manager.revokeCard(cardId));
  }

  private admit(raw: RawSignedModel, wanted: Set<string>, result: CardSearchResult): void {
    let card: DeviceCard;
    try {
      card = parseDeviceCard(raw.toJson());
    } catch {
      result.rejected.push({ reason: 'malformed' });
      return;
    }
    if (!wanted.has(card.identity)) {
      result.rejected.push({ cardId: card.id, identity: card.identity, reason: 'malformed' });
      return;
    }
    const check = checkDeviceCard(card, this.trust);
    if (check.ok) result.cards.push(card);
    else result.rejected.push({ cardId: card.id, identity: card.identity, reason: check.reason });
  }

  /** Maps virgil-sdk's HTTP and verification errors onto our error codes. */
  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw toOvercryptError(e);
    }
  }
}

function toOvercryptError(e: unknown): OvercryptError {
  if (e instanceof OvercryptError) return e;
  const err = e as { name?: string; httpStatus?: number; message?: string };
  if (err?.name === 'CardVerificationError') return new OvercryptError(ErrorCode.BadSignature, 'directory returned a card that fails verification');
  if (err?.name === 'VirgilHttpError' && typeof err.httpStatus === 'number') {
    const byStatus: Record<number, ErrorCode> = { 400: ErrorCode.Malformed, 401: ErrorCode.Unauthenticated, 403: ErrorCode.Forbidden, 404: ErrorCode.NotFound, 409: ErrorCode.Conflict, 413: ErrorCode.TooLarge, 429: ErrorCode.RateLimited };
    return new OvercryptError(byStatus[err.httpStatus] ?? ErrorCode.Network, `directory: HTTP ${err.httpStatus}`, { status: err.httpStatus });
  }
  return new OvercryptError(ErrorCode.Network, 'directory request failed', { cause: String(err?.message ?? e) });
}
