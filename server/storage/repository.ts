/**
 * The one storage interface of the directory. The core (server/core) talks only to this;
 * SQLite (sqlite.ts) and PostgreSQL (postgres.ts) implement it, and the same test suite
 * (tests/server/storage.test.ts) runs against both.
 *
 * Every method is one atomic unit: multi-step changes (supersede a card, claim a one-time
 * prekey, consume an invite, enqueue under a quota) happen in one transaction inside the
 * implementation, never as read-then-write in the core.
 *
 * Times are ms since epoch, passed in by the caller (no clock in storage).
 */

export interface AccountRecord {
  identity: string;
  passwordHash: string;
  createdAt: number;
}

export interface CardRecord {
  id: string;
  identity: string;
  /** base64 of the card's exported public key (from the snapshot) */
  publicKey: string;
  /** The RawSignedModel JSON exactly as served (received signatures untouched + `app`). */
  model: string;
  createdAt: number;
  previousCardId: string | null;
  supersededBy: string | null;
  revokedAt: number | null;
}

export interface StoredPrekey {
  keyId: number;
  publicKey: string;
  createdAt: number;
  signature: string;
}

export interface ClaimedBundle {
  cardId: string;
  identity: string;
  signedPrekey: StoredPrekey;
  oneTimePrekey: StoredPrekey | null;
}

export interface BackupRecord {
  version: number;
  blob: string;
}

export interface EnvelopeRecord {
  id: string;
  recipientCardId: string;
  senderIdentity: string;
  senderCardId: string;
  seq: number;
  envelope: string;
  createdAt: number;
  expiresAt: number;
}

export interface ArchiveRecord {
  id: string;
  conversationId: string;
  messageDigest: string;
  blob: string;
  authorIdentity: string;
  createdAt: number;
}

export type CreateAccountResult = 'created' | 'taken' | 'bad-invite';
export type InsertCardResult = 'inserted' | 'exists' | 'previous-not-active';
export type PutBackupResult = { ok: true; version: number } | { ok: false; current: number | null };
export type EnqueueResult =
  | { ok: true; id: string }
  | { ok: false; reason: 'full' | 'sender-quota' | 'duplicate-seq' };

export interface Repository {
  /** 'sqlite' | 'postgres' (for logs). */
  readonly kind: string;

  // ---- accounts and invites ----
  /** Creates the account; with `inviteHash`, consumes that unused, unexpired invite in the same transaction. */
  createAccount(account: AccountRecord, inviteHash?: string): Promise<CreateAccountResult>;
  getAccount(identity: string): Promise<AccountRecord | null>;
  createInvite(codeHash: string, createdAt: number, expiresAt: number | null): Promise<void>;

  // ---- cards ----
  /**
   * Inserts a card. With `previousCardId`, atomically marks that card superseded by this one;
   * it must belong to the same identity and be active, else nothing changes.
   */
  insertCard(card: CardRecord): Promise<InsertCardResult>;
  getCard(id: string): Promise<CardRecord | null>;
  /** Active (not superseded, not revoked) cards of these identities, oldest first. */
  searchActiveCards(identities: readonly string[]): Promise<CardRecord[]>;
  /** Marks the card revoked (idempotent). Returns false if it does not exist. */
  revokeCard(id: string, at: number): Promise<boolean>;

  // ---- prekeys ----
  getSignedPrekey(cardId: string): Promise<StoredPrekey | null>;
  /**
   * Stores the signed prekey (if given; replaces the current one) and the one-time prekeys
   * (a keyId already stored for this card, claimed or not, is ignored: never handed out twice).
   * Returns the number of unclaimed one-time prekeys afterwards.
   */
  putPrekeys(cardId: string, signed: StoredPrekey | null, oneTime: readonly StoredPrekey[]): Promise<number>;
  countOneTimePrekeys(cardId: string): Promise<number>;
  /**
   * One bundle per active card of `identity` that has a signed prekey — with `cardIds`, only for
   * those of its cards (other ids are left out); each bundle takes one unclaimed one-time prekey
   * (lowest keyId) and marks it claimed, atomically. Cards not bundled keep their one-time keys.
   */
  claimBundles(identity: string, claimer: string, at: number, cardIds?: readonly string[]): Promise<ClaimedBundle[]>;

  // ---- backups ----
  getBackup(identity: string): Promise<BackupRecord | null>;
  /** `expectedVersion` null: create only if absent; a number: replace only if current. */
  putBackup(identity: string, blob: string, expectedVersion: number | null, at: number): Promise<PutBackupResult>;
  /** Deletes only if the current version matches. */
  deleteBackup(identity: string, expectedVersion: number): Promise<PutBackupResult>;

  // ---- mailbox ----
  /** Enqueues unless the mailbox holds `maxTotal` live envelopes or this sender `maxPerSender`. */
  enqueueEnvelope(
    envelope: Omit<EnvelopeRecord, 'id'>,
    limits: { maxTotal: number; maxPerSender: number; now: number },
  ): Promise<EnqueueResult>;
  /** Live envelopes with id > after, in id order. */
  fetchEnvelopes(recipientCardId: string, after: string | null, limit: number, now: number): Promise<EnvelopeRecord[]>;
  /** Deletes these envelopes of this mailbox; returns how many existed. */
  ackEnvelopes(recipientCardId: string, ids: readonly string[]): Promise<number>;
  /** Deletes expired envelopes; returns how many. */
  purgeExpiredEnvelopes(now: number): Promise<number>;

  // ---- rate-limit windows (shared by every directory process on this database) ----
  /**
   * Counts one hit for `key` in its current fixed window and returns the count after the hit.
   * A window starts at the first hit after the previous one expired and lasts `windowMs`.
   * One atomic statement: concurrent hits from any number of processes are all counted.
   */
  hitWindow(key: string, windowMs: number, now: number): Promise<number>;
  /** Hits of `key` in its current (unexpired) window; 0 if none. */
  windowCount(key: string, now: number): Promise<number>;
  /**
   * Takes back one hit made at `hitAt`, but only if the window it went to is still the current
   * one (a later window's count is never lowered).
   */
  undoWindowHit(key: string, hitAt: number): Promise<void>;
  /** Forgets `key`'s window (e.g. after a successful login). */
  resetWindow(key: string): Promise<void>;
  /** Deletes windows that expired at or before `now`; returns how many. */
  purgeExpiredWindows(now: number): Promise<number>;

  // ---- org archive ----
  insertArchive(entry: Omit<ArchiveRecord, 'id'>): Promise<string>;
  listArchive(conversationId: string | null, after: string | null, limit: number): Promise<ArchiveRecord[]>;

  close(): Promise<void>;
}
