/**
 * Per-card mailbox of opaque envelopes (key distribution, control messages between devices).
 * Post from one of your active cards to an active card; the owner fetches and acknowledges.
 * A full mailbox refuses (507) and a sender past its quota is refused (429): nothing is ever
 * dropped to make room. Envelopes expire after a TTL and are purged periodically.
 */
import { CARD_ID_RE, Limits, type FetchMailboxResponse, type PostEnvelopeRequest } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { Repository } from '../storage/repository';
import type { CardService } from './cards';
import { decodeBase64, requireCardId } from './validate';

export interface MailboxConfig {
  maxEnvelopes?: number;
  maxPerSender?: number;
  ttlMs?: number;
}

export class MailboxService {
  private readonly maxTotal: number;
  private readonly maxPerSender: number;
  private readonly ttlMs: number;

  constructor(
    private readonly repo: Repository,
    private readonly cards: CardService,
    config: MailboxConfig,
    private readonly now: () => number,
  ) {
    this.maxTotal = config.maxEnvelopes ?? Limits.mailboxMaxEnvelopes;
    this.maxPerSender = config.maxPerSender ?? Limits.mailboxMaxPerSender;
    this.ttlMs = config.ttlMs ?? Limits.mailboxTtlMs;
  }

  async post(sender: string, recipientCardId: string, req: PostEnvelopeRequest): Promise<{ id: string }> {
    decodeBase64(req.envelope, 'envelope', Limits.envelopeMaxBytes);
    if (!Number.isSafeInteger(req.seq) || req.seq < 0) fail(ErrorCode.Malformed, 'seq must be a non-negative integer');
    const recipient = await this.repo.getCard(requireCardId(recipientCardId));
    if (!recipient || recipient.supersededBy !== null || recipient.revokedAt !== null) {
      fail(ErrorCode.NotFound, 'no active card with this id');
    }
    const senderCard = CARD_ID_RE.test(req.senderCardId) ? await this.repo.getCard(req.senderCardId) : null;
    if (!senderCard || senderCard.identity !== sender || senderCard.supersededBy !== null || senderCard.revokedAt !== null) {
      fail(ErrorCode.Forbidden, 'senderCardId must be one of your active cards');
    }
    const now = this.now();
    const result = await this.repo.enqueueEnvelope(
      { recipientCardId: recipient.id, senderIdentity: sender, senderCardId: req.senderCardId, seq: req.seq,
        envelope: req.envelope, createdAt: now, expiresAt: now + this.ttlMs },
      { maxTotal: this.maxTotal, maxPerSender: this.maxPerSender, now },
    );
    if (result.ok) return { id: result.id };
    if (result.reason === 'full') fail(ErrorCode.StorageFull, 'recipient mailbox is full');
    if (result.reason === 'sender-quota') fail(ErrorCode.RateLimited, 'too many undelivered envelopes from you in this mailbox');
    fail(ErrorCode.Conflict, 'an envelope with this senderCardId and seq is already queued');
  }

  async fetch(owner: string, cardId: string, after: string | null, limit: number | null): Promise<FetchMailboxResponse> {
    const card = await this.cards.ownedCard(owner, cardId);
    if (after !== null && !/^\d{1,18}$/.test(after)) fail(ErrorCode.Malformed, 'after must be an envelope id');
    const n = limit ?? 100;
    if (!Number.isInteger(n) || n < 1 || n > Limits.mailboxFetchMax) fail(ErrorCode.Malformed, `limit must be 1-${Limits.mailboxFetchMax}`);
    const rows = await this.repo.fetchEnvelopes(card.id, after, n, this.now());
    return {
      envelopes: rows.map((r) => ({
        id: r.id, senderIdentity: r.senderIdentity, senderCardId: r.senderCardId, seq: r.seq, envelope: r.envelope,
        createdAt: r.createdAt,
      })),
    };
  }

  async ack(owner: string, cardId: string, ids: readonly string[]): Promise<{ acked: number }> {
    const card = await this.cards.ownedCard(owner, cardId);
    if (ids.length > Limits.mailboxAckMax) fail(ErrorCode.TooLarge, `at most ${Limits.mailboxAckMax} ids per ack`);
    return { acked: await this.repo.ackEnvelopes(card.id, ids) };
  }

  purgeExpired(): Promise<number> {
    return this.repo.purgeExpiredEnvelopes(this.now());
  }
}
