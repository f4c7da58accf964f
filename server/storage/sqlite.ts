/**
 * SQLite repository (better-sqlite3 12): the default, single-file storage.
 *
 * Durability (default `durability: 'full'`): no write is acknowledged before it is on disk.
 * WAL journal; writes that arrive in the same event-loop turn run as savepoints inside one
 * transaction (a failing write rolls back only its own savepoint), and the batch is
 * acknowledged after an fdatasync of the WAL file. That is what SQLite's `synchronous=FULL`
 * does in WAL mode, except that the fsync runs on libuv's thread pool instead of blocking the
 * event loop, so requests keep arriving (and batching) while the disk syncs: one fsync per
 * batch, not per request. SQLite itself runs `synchronous=NORMAL`, which still syncs the WAL
 * and database at checkpoints, so checkpointed data is durable too; checkpoints run on a
 * worker thread (sqliteCheckpointer.ts) so no commit waits for one. Other requests may read a
 * committed write a few milliseconds before its fsync completes (never before its commit).
 *
 * `durability: 'normal'` skips the WAL fsync: survives a killed process but may lose the
 * last commits on power loss — and a lost claim record would let a one-time prekey be handed
 * out twice, hence not the default. `busy_timeout` covers other processes (e.g.
 * `npm run directory:invite` while the server runs).
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteCheckpointer } from './sqliteCheckpointer';
import type {
  AccountRecord, ArchiveRecord, BackupRecord, CardRecord, ClaimedBundle, CreateAccountResult, EnqueueResult,
  EnvelopeRecord, InsertCardResult, PutBackupResult, Repository, StoredPrekey,
} from './repository';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (identity TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE invites (code_hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER,
     used_by TEXT, used_at INTEGER);
   CREATE TABLE cards (id TEXT PRIMARY KEY, identity TEXT NOT NULL, public_key TEXT NOT NULL, model TEXT NOT NULL,
     created_at INTEGER NOT NULL, previous_card_id TEXT, superseded_by TEXT, revoked_at INTEGER);
   CREATE INDEX cards_active_by_identity ON cards (identity, created_at)
     WHERE superseded_by IS NULL AND revoked_at IS NULL;
   CREATE TABLE signed_prekeys (card_id TEXT PRIMARY KEY, key_id INTEGER NOT NULL, public_key TEXT NOT NULL,
     created_at INTEGER NOT NULL, signature TEXT NOT NULL);
   CREATE TABLE one_time_prekeys (card_id TEXT NOT NULL, key_id INTEGER NOT NULL, public_key TEXT NOT NULL,
     created_at INTEGER NOT NULL, signature TEXT NOT NULL, claimed_at INTEGER, claimed_by TEXT,
     PRIMARY KEY (card_id, key_id));
   CREATE INDEX one_time_prekeys_unclaimed ON one_time_prekeys (card_id, key_id) WHERE claimed_at IS NULL;
   CREATE TABLE backups (identity TEXT PRIMARY KEY, version INTEGER NOT NULL, blob TEXT NOT NULL,
     updated_at INTEGER NOT NULL);
   CREATE TABLE mailbox (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_card_id TEXT NOT NULL,
     sender_identity TEXT NOT NULL, sender_card_id TEXT NOT NULL, seq INTEGER NOT NULL, envelope TEXT NOT NULL,
     created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, UNIQUE (recipient_card_id, sender_card_id, seq));
   CREATE INDEX mailbox_by_recipient ON mailbox (recipient_card_id, id);
   CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);
   CREATE TABLE archive (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL,
     message_digest TEXT NOT NULL, blob TEXT NOT NULL, author_identity TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX archive_by_conversation ON archive (conversation_id, id);`,
  // 2: rate-limit windows in the database, so every process on it shares one budget.
  `CREATE TABLE rate_windows (limit_key TEXT PRIMARY KEY, window_start INTEGER NOT NULL,
     expires_at INTEGER NOT NULL, hits INTEGER NOT NULL);
   CREATE INDEX rate_windows_by_expiry ON rate_windows (expires_at);`,
];

/**
 * One statement, so a hit is atomic: a new key, or an expired window, starts a window of one hit;
 * a current window counts one more. (In DO UPDATE, `rate_windows.x` is the stored row's value.)
 */
const HIT_WINDOW_SQL = `INSERT INTO rate_windows (limit_key, window_start, expires_at, hits) VALUES (?, ?, ?, 1)
  ON CONFLICT (limit_key) DO UPDATE SET
    hits = CASE WHEN rate_windows.expires_at <= excluded.window_start THEN 1 ELSE rate_windows.hits + 1 END,
    window_start = CASE WHEN rate_windows.expires_at <= excluded.window_start
                        THEN excluded.window_start ELSE rate_windows.window_start END,
    expires_at = CASE WHEN rate_windows.expires_at <= excluded.window_start
                      THEN excluded.expires_at ELSE rate_windows.expires_at END
  RETURNING hits`;

export interface SqliteOptions {
  /** 'full' (default): acknowledge writes after the WAL is fsynced; 'normal': do not fsync. */
  synchronous?: 'full' | 'normal';
  /** Run WAL checkpoints on a worker thread (default true for files). */
  checkpointWorker?: boolean;
}

interface CardRow {
  id: string; identity: string; public_key: string; model: string; created_at: number;
  previous_card_id: string | null; superseded_by: string | null; revoked_at: number | null;
}
interface PrekeyRow { key_id: number; public_key: string; created_at: number; signature: string }
interface EnvelopeRow {
  id: number; recipient_card_id: string; sender_identity: string; sender_card_id: string; seq: number;
  envelope: string; created_at: number; expires_at: number;
}
interface ArchiveRow {
  id: number; conversation_id: string; message_digest: string; blob: string; author_identity: string; created_at: number;
}

export function openSqlite(path: string, options: SqliteOptions = {}): SqliteRepository {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const wal = options.synchronous !== 'normal' && path !== ':memory:' ? new WalSync(`${path}-wal`) : null;
  let checkpointer: SqliteCheckpointer | null = null;
  if (path !== ':memory:' && options.checkpointWorker !== false) {
    // Checkpoints run on a worker; auto-checkpoint stays as a safety net far above normal use.
    db.pragma('wal_autocheckpoint = 20000');
    checkpointer = new SqliteCheckpointer(path);
  }
  return new SqliteRepository(db, wal, checkpointer);
}

/**
 * fdatasync of the WAL file on the thread pool, shared by everyone waiting: a `sync()` resolves
 * after an fdatasync that started after the call, i.e. once everything committed before it is
 * on disk.
 */
class WalSync {
  private readonly fd: number;
  private running = false;
  private waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(path: string) {
    // 'a' creates the file if SQLite has not yet; an empty WAL is a valid empty WAL.
    this.fd = openSync(path, 'a');
    fsyncSync(this.fd); // whatever the migrations wrote
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    const batch = this.waiting;
    this.waiting = [];
    fdatasync(this.fd, (err) => {
      this.running = false;
      for (const w of batch) if (err) w.reject(err); else w.resolve();
      this.kick();
    });
  }

  async close(): Promise<void> {
    await this.sync();
    closeSync(this.fd);
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
}

const toCard = (r: CardRow): CardRecord => ({
  id: r.id, identity: r.identity, publicKey: r.public_key, model: r.model, createdAt: r.created_at,
  previousCardId: r.previous_card_id, supersededBy: r.superseded_by, revokedAt: r.revoked_at,
});
const toPrekey = (r: PrekeyRow): StoredPrekey => ({
  keyId: r.key_id, publicKey: r.public_key, createdAt: r.created_at, signature: r.signature,
});
const toEnvelope = (r: EnvelopeRow): EnvelopeRecord => ({
  id: String(r.id), recipientCardId: r.recipient_card_id, senderIdentity: r.sender_identity,
  senderCardId: r.sender_card_id, seq: r.seq, envelope: r.envelope, createdAt: r.created_at, expiresAt: r.expires_at,
});
const toArchive = (r: ArchiveRow): ArchiveRecord => ({
  id: String(r.id), conversationId: r.conversation_id, messageDigest: r.message_digest, blob: r.blob,
  authorIdentity: r.author_identity, createdAt: r.created_at,
});

/** The claimable cards among `cardIds` (all of them without a list), in claimable order. */
function chosen<T extends { id: string }>(cards: T[], cardIds: readonly string[] | undefined): T[] {
  if (cardIds === undefined) return cards;
  const wanted = new Set(cardIds);
  return cards.filter((c) => wanted.has(c.id));
}

/** Decimal id strings from clients; anything else matches nothing. */
function rowId(id: string | null): number {
  return id !== null && /^\d{1,15}$/.test(id) ? Number(id) : 0;
}

interface WriteJob {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 256;

export class SqliteRepository implements Repository {
  readonly kind = 'sqlite';
  private readonly st;
  private readonly sp;
  private readonly activeByArity = new Map<number, Database.Statement>();
  private pending: WriteJob[] = [];
  private flushScheduled = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync | null = null,
    private readonly checkpointer: SqliteCheckpointer | null = null,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.sp = { begin: p('SAVEPOINT w'), release: p('RELEASE w'), rollback: p('ROLLBACK TO w') };
    this.st = {
      insertAccount: p('INSERT INTO accounts (identity, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      getAccount: p('SELECT identity, password_hash, created_at FROM accounts WHERE identity = ?'),
      useInvite: p(`UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_at IS NULL
                    AND (expires_at IS NULL OR expires_at > ?)`),
      insertInvite: p('INSERT INTO invites (code_hash, created_at, expires_at) VALUES (?, ?, ?)'),
      insertCard: p(`INSERT INTO cards (id, identity, public_key, model, created_at, previous_card_id)
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      supersede: p(`UPDATE cards SET superseded_by = ? WHERE id = ? AND identity = ?
                    AND superseded_by IS NULL AND revoked_at IS NULL`),
      getCard: p('SELECT * FROM cards WHERE id = ?'),
      revoke: p('UPDATE cards SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
      getSigned: p('SELECT key_id, public_key, created_at, signature FROM signed_prekeys WHERE card_id = ?'),
      putSigned: p(`INSERT INTO signed_prekeys (card_id, key_id, public_key, created_at, signature) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (card_id) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key,
                    created_at = excluded.created_at, signature = excluded.signature`),
      putOneTime: p(`INSERT INTO one_time_prekeys (card_id, key_id, public_key, created_at, signature)
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      countOneTime: p('SELECT count(*) AS n FROM one_time_prekeys WHERE card_id = ? AND claimed_at IS NULL'),
      claimableCards: p(`SELECT c.id, c.identity, s.key_id, s.public_key, s.created_at, s.signature
                         FROM cards c JOIN signed_prekeys s ON s.card_id = c.id
                         WHERE c.identity = ? AND c.superseded_by IS NULL AND c.revoked_at IS NULL
                         ORDER BY c.created_at, c.id`),
      claimOne: p(`UPDATE one_time_prekeys SET claimed_at = ?, claimed_by = ?
                   WHERE rowid = (SELECT rowid FROM one_time_prekeys WHERE card_id = ? AND claimed_at IS NULL
                                  ORDER BY key_id LIMIT 1)
                   RETURNING key_id, public_key, created_at, signature`),
      getBackup: p('SELECT version, blob FROM backups WHERE identity = ?'),
      createBackup: p('INSERT INTO backups (identity, version, blob, updated_at) VALUES (?, 1, ?, ?) ON CONFLICT DO NOTHING'),
      replaceBackup: p(`UPDATE backups SET version = version + 1, blob = ?, updated_at = ?
                        WHERE identity = ? AND version = ? RETURNING version`),
      deleteBackup: p('DELETE FROM backups WHERE identity = ? AND version = ?'),
      countMailbox: p('SELECT count(*) AS n FROM mailbox WHERE recipient_card_id = ? AND expires_at > ?'),
      countFromSender: p(`SELECT count(*) AS n FROM mailbox WHERE recipient_card_id = ? AND sender_identity = ?
                          AND expires_at > ?`),
      insertEnvelope: p(`INSERT INTO mailbox (recipient_card_id, sender_identity, sender_card_id, seq, envelope,
                         created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      fetchEnvelopes: p(`SELECT * FROM mailbox WHERE recipient_card_id = ? AND id > ? AND expires_at > ?
                         ORDER BY id LIMIT ?`),
      ackEnvelope: p('DELETE FROM mailbox WHERE recipient_card_id = ? AND id = ?'),
      purge: p('DELETE FROM mailbox WHERE expires_at <= ?'),
      hitWindow: p(HIT_WINDOW_SQL),
      windowCount: p('SELECT hits FROM rate_windows WHERE limit_key = ? AND expires_at > ?'),
      undoWindowHit: p(`UPDATE rate_windows SET hits = hits - 1 WHERE limit_key = ? AND hits > 0
                        AND window_start <= ? AND expires_at > ?`),
      resetWindow: p('DELETE FROM rate_windows WHERE limit_key = ?'),
      purgeWindows: p('DELETE FROM rate_windows WHERE expires_at <= ?'),
      insertArchive: p(`INSERT INTO archive (conversation_id, message_digest, blob, author_identity, created_at)
                        VALUES (?, ?, ?, ?, ?)`),
      listArchiveAll: p('SELECT * FROM archive WHERE id > ? ORDER BY id LIMIT ?'),
      listArchiveConv: p('SELECT * FROM archive WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?'),
    };
  }

  /**
   * Runs `fn` as one atomic write (a savepoint in the next group commit) and resolves after the
   * enclosing transaction committed. `fn` may throw `Rollback` to undo its own changes and
   * report a result.
   */
  private write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One job inside its own savepoint: a throw undoes only this job. */
  private runInSavepoint(job: WriteJob): { ok: true; value: unknown } | { ok: false; error: unknown } {
    this.sp.begin.run();
    try {
      const value = job.run();
      this.sp.release.run();
      return { ok: true, value };
    } catch (error) {
      this.sp.rollback.run();
      this.sp.release.run();
      return error instanceof Rollback ? { ok: true, value: error.result } : { ok: false, error };
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      let outcomes: ReturnType<SqliteRepository['runInSavepoint']>[];
      try {
        outcomes = this.db.transaction(() => batch.map((job) => this.runInSavepoint(job))).immediate();
      } catch (error) {
        // The commit itself failed: nothing of this batch is durable.
        for (const job of batch) job.reject(error);
        continue;
      }
      const settle = () => batch.forEach((job, i) => {
        const o = outcomes[i]!;
        if (o.ok) job.resolve(o.value);
        else job.reject(o.error);
      });
      if (this.wal) this.wal.sync().then(settle, (error: unknown) => batch.forEach((job) => job.reject(error)));
      else settle();
    }
  }

  async createAccount(account: AccountRecord, inviteHash?: string): Promise<CreateAccountResult> {
    return this.write((): CreateAccountResult => {
      if (this.st.getAccount.get(account.identity)) return 'taken';
      if (inviteHash !== undefined) {
        const used = this.st.useInvite.run(account.identity, account.createdAt, inviteHash, account.createdAt);
        if (used.changes !== 1) return 'bad-invite';
      }
      this.st.insertAccount.run(account.identity, account.passwordHash, account.createdAt);
      return 'created';
    });
  }

  async getAccount(identity: string): Promise<AccountRecord | null> {
    const r = this.st.getAccount.get(identity) as { identity: string; password_hash: string; created_at: number } | undefined;
    return r ? { identity: r.identity, passwordHash: r.password_hash, createdAt: r.created_at } : null;
  }

  async createInvite(codeHash: string, createdAt: number, expiresAt: number | null): Promise<void> {
    await this.write(() => this.st.insertInvite.run(codeHash, createdAt, expiresAt));
  }

  async insertCard(card: CardRecord): Promise<InsertCardResult> {
    return this.write((): InsertCardResult => {
      const inserted = this.st.insertCard.run(card.id, card.identity, card.publicKey, card.model, card.createdAt,
        card.previousCardId);
      if (inserted.changes !== 1) return 'exists';
      if (card.previousCardId !== null) {
        const updated = this.st.supersede.run(card.id, card.previousCardId, card.identity);
        if (updated.changes !== 1) throw new Rollback('previous-not-active');
      }
      return 'inserted';
    });
  }

  async getCard(id: string): Promise<CardRecord | null> {
    const r = this.st.getCard.get(id) as CardRow | undefined;
    return r ? toCard(r) : null;
  }

  async searchActiveCards(identities: readonly string[]): Promise<CardRecord[]> {
    if (identities.length === 0) return [];
    return (this.activeCardsStatement(identities.length).all(...identities) as CardRow[]).map(toCard);
  }

  /** `identity IN (?, ?, ...)`, prepared once per arity (json_each costs more per search). */
  private activeCardsStatement(n: number): Database.Statement {
    let st = this.activeByArity.get(n);
    if (!st) {
      st = this.db.prepare(`SELECT * FROM cards WHERE identity IN (${Array(n).fill('?').join(', ')})
                            AND superseded_by IS NULL AND revoked_at IS NULL ORDER BY created_at, id`);
      if (this.activeByArity.size < 64) this.activeByArity.set(n, st);
    }
    return st;
  }

  async revokeCard(id: string, at: number): Promise<boolean> {
    return this.write(() => this.st.revoke.run(at, id).changes === 1);
  }

  async getSignedPrekey(cardId: string): Promise<StoredPrekey | null> {
    const r = this.st.getSigned.get(cardId) as PrekeyRow | undefined;
    return r ? toPrekey(r) : null;
  }

  async putPrekeys(cardId: string, signed: StoredPrekey | null, oneTime: readonly StoredPrekey[]): Promise<number> {
    return this.write(() => {
      if (signed) this.st.putSigned.run(cardId, signed.keyId, signed.publicKey, signed.createdAt, signed.signature);
      for (const k of oneTime) this.st.putOneTime.run(cardId, k.keyId, k.publicKey, k.createdAt, k.signature);
      return (this.st.countOneTime.get(cardId) as { n: number }).n;
    });
  }

  async countOneTimePrekeys(cardId: string): Promise<number> {
    return (this.st.countOneTime.get(cardId) as { n: number }).n;
  }

  async claimBundles(identity: string, claimer: string, at: number, cardIds?: readonly string[]): Promise<ClaimedBundle[]> {
    return this.write(() => {
      const cards = chosen(this.st.claimableCards.all(identity) as (PrekeyRow & { id: string; identity: string })[], cardIds);
      return cards.map((c): ClaimedBundle => {
        const one = this.st.claimOne.get(at, claimer, c.id) as PrekeyRow | undefined;
        return { cardId: c.id, identity: c.identity, signedPrekey: toPrekey(c), oneTimePrekey: one ? toPrekey(one) : null };
      });
    });
  }

  async getBackup(identity: string): Promise<BackupRecord | null> {
    return (this.st.getBackup.get(identity) as BackupRecord | undefined) ?? null;
  }

  async putBackup(identity: string, blob: string, expectedVersion: number | null, at: number): Promise<PutBackupResult> {
    return this.write((): PutBackupResult => {
      if (expectedVersion === null) {
        if (this.st.createBackup.run(identity, blob, at).changes === 1) return { ok: true, version: 1 };
      } else {
        const r = this.st.replaceBackup.get(blob, at, identity, expectedVersion) as { version: number } | undefined;
        if (r) return { ok: true, version: r.version };
      }
      const current = this.st.getBackup.get(identity) as BackupRecord | undefined;
      return { ok: false, current: current?.version ?? null };
    });
  }

  async deleteBackup(identity: string, expectedVersion: number): Promise<PutBackupResult> {
    return this.write((): PutBackupResult => {
      if (this.st.deleteBackup.run(identity, expectedVersion).changes === 1) return { ok: true, version: expectedVersion };
      const current = this.st.getBackup.get(identity) as BackupRecord | undefined;
      return { ok: false, current: current?.version ?? null };
    });
  }

  async enqueueEnvelope(
    e: Omit<EnvelopeRecord, 'id'>,
    limits: { maxTotal: number; maxPerSender: number; now: number },
  ): Promise<EnqueueResult> {
    return this.write((): EnqueueResult => {
      const total = (this.st.countMailbox.get(e.recipientCardId, limits.now) as { n: number }).n;
      if (total >= limits.maxTotal) return { ok: false, reason: 'full' };
      const fromSender = (this.st.countFromSender.get(e.recipientCardId, e.senderIdentity, limits.now) as { n: number }).n;
      if (fromSender >= limits.maxPerSender) return { ok: false, reason: 'sender-quota' };
      const r = this.st.insertEnvelope.run(e.recipientCardId, e.senderIdentity, e.senderCardId, e.seq, e.envelope,
        e.createdAt, e.expiresAt);
      if (r.changes !== 1) return { ok: false, reason: 'duplicate-seq' };
      return { ok: true, id: String(r.lastInsertRowid) };
    });
  }

  async fetchEnvelopes(recipientCardId: string, after: string | null, limit: number, now: number): Promise<EnvelopeRecord[]> {
    return (this.st.fetchEnvelopes.all(recipientCardId, rowId(after), now, limit) as EnvelopeRow[]).map(toEnvelope);
  }

  async ackEnvelopes(recipientCardId: string, ids: readonly string[]): Promise<number> {
    return this.write(() => {
      let n = 0;
      for (const id of ids) n += this.st.ackEnvelope.run(recipientCardId, rowId(id)).changes;
      return n;
    });
  }

  async purgeExpiredEnvelopes(now: number): Promise<number> {
    return this.write(() => this.st.purge.run(now).changes);
  }

  async hitWindow(key: string, windowMs: number, now: number): Promise<number> {
    return this.write(() => (this.st.hitWindow.get(key, now, now + windowMs) as { hits: number }).hits);
  }

  async windowCount(key: string, now: number): Promise<number> {
    return (this.st.windowCount.get(key, now) as { hits: number } | undefined)?.hits ?? 0;
  }

  async undoWindowHit(key: string, hitAt: number): Promise<void> {
    await this.write(() => this.st.undoWindowHit.run(key, hitAt, hitAt));
  }

  async resetWindow(key: string): Promise<void> {
    await this.write(() => this.st.resetWindow.run(key));
  }

  async purgeExpiredWindows(now: number): Promise<number> {
    return this.write(() => this.st.purgeWindows.run(now).changes);
  }

  async insertArchive(a: Omit<ArchiveRecord, 'id'>): Promise<string> {
    return this.write(() =>
      String(this.st.insertArchive.run(a.conversationId, a.messageDigest, a.blob, a.authorIdentity, a.createdAt).lastInsertRowid));
  }

  async listArchive(conversationId: string | null, after: string | null, limit: number): Promise<ArchiveRecord[]> {
    const rows = conversationId === null
      ? this.st.listArchiveAll.all(rowId(after), limit)
      : this.st.listArchiveConv.all(conversationId, rowId(after), limit);
    return (rows as ArchiveRow[]).map(toArchive);
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      await this.wal?.close();
      await this.checkpointer?.stop();
      this.db.close();
    })();
    return this.closing;
  }
}

/** Thrown inside a transaction to roll it back and report a result. */
class Rollback extends Error {
  constructor(readonly result: string) {
    super(result);
  }
}
