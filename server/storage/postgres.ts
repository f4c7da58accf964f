/**
 * PostgreSQL repository (`pg`), for deployments that outgrow one SQLite file.
 *
 * Same tables and migrations idea as sqlite.ts (a `schema_migrations` table, applied under
 * an advisory lock so several servers can start at once). Atomicity:
 * - one-time prekey claims use `FOR UPDATE SKIP LOCKED`, so concurrent claimers take
 *   different keys and never the same one;
 * - mailbox quotas lock the recipient's card row (`FOR UPDATE`) while counting;
 * - backups use compare-and-set on `version`; supersede and invites run in one transaction;
 * - rate-limit hits are one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` each.
 * `synchronous_commit` stays at the server default (on): a commit is durable when acknowledged.
 */
import pg from 'pg';
import type {
  AccountRecord, ArchiveRecord, BackupRecord, CardRecord, ClaimedBundle, CreateAccountResult, EnqueueResult,
  EnvelopeRecord, InsertCardResult, PutBackupResult, Repository, StoredPrekey,
} from './repository';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (identity TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
   CREATE TABLE invites (code_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL, expires_at BIGINT,
     used_by TEXT, used_at BIGINT);
   CREATE TABLE cards (id TEXT PRIMARY KEY, identity TEXT NOT NULL, public_key TEXT NOT NULL, model TEXT NOT NULL,
     created_at BIGINT NOT NULL, previous_card_id TEXT, superseded_by TEXT, revoked_at BIGINT);
   CREATE INDEX cards_active_by_identity ON cards (identity, created_at)
     WHERE superseded_by IS NULL AND revoked_at IS NULL;
   CREATE TABLE signed_prekeys (card_id TEXT PRIMARY KEY, key_id BIGINT NOT NULL, public_key TEXT NOT NULL,
     created_at BIGINT NOT NULL, signature TEXT NOT NULL);
   CREATE TABLE one_time_prekeys (card_id TEXT NOT NULL, key_id BIGINT NOT NULL, public_key TEXT NOT NULL,
     created_at BIGINT NOT NULL, signature TEXT NOT NULL, claimed_at BIGINT, claimed_by TEXT,
     PRIMARY KEY (card_id, key_id));
   CREATE INDEX one_time_prekeys_unclaimed ON one_time_prekeys (card_id, key_id) WHERE claimed_at IS NULL;
   CREATE TABLE backups (identity TEXT PRIMARY KEY, version BIGINT NOT NULL, blob TEXT NOT NULL,
     updated_at BIGINT NOT NULL);
   CREATE TABLE mailbox (id BIGSERIAL PRIMARY KEY, recipient_card_id TEXT NOT NULL,
     sender_identity TEXT NOT NULL, sender_card_id TEXT NOT NULL, seq BIGINT NOT NULL, envelope TEXT NOT NULL,
     created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, UNIQUE (recipient_card_id, sender_card_id, seq));
   CREATE INDEX mailbox_by_recipient ON mailbox (recipient_card_id, id);
   CREATE INDEX mailbox_by_expiry ON mailbox (expires_at);
   CREATE TABLE archive (id BIGSERIAL PRIMARY KEY, conversation_id TEXT NOT NULL,
     message_digest TEXT NOT NULL, blob TEXT NOT NULL, author_identity TEXT NOT NULL, created_at BIGINT NOT NULL);
   CREATE INDEX archive_by_conversation ON archive (conversation_id, id);`,
  // 2: rate-limit windows in the database, so every process on it shares one budget.
  `CREATE TABLE rate_windows (limit_key TEXT PRIMARY KEY, window_start BIGINT NOT NULL,
     expires_at BIGINT NOT NULL, hits INT NOT NULL);
   CREATE INDEX rate_windows_by_expiry ON rate_windows (expires_at);`,
];

/**
 * One statement, atomic under concurrency: INSERT ... ON CONFLICT DO UPDATE locks the row, and a
 * concurrent hit on the same key waits for it and then updates the committed row, so no hit is
 * lost (READ COMMITTED is enough). A new key, or an expired window, starts a window of one hit.
 */
const HIT_WINDOW_SQL = `INSERT INTO rate_windows (limit_key, window_start, expires_at, hits) VALUES ($1, $2::bigint, $2::bigint + $3::bigint, 1)
  ON CONFLICT (limit_key) DO UPDATE SET
    hits = CASE WHEN rate_windows.expires_at <= excluded.window_start THEN 1 ELSE rate_windows.hits + 1 END,
    window_start = CASE WHEN rate_windows.expires_at <= excluded.window_start
                        THEN excluded.window_start ELSE rate_windows.window_start END,
    expires_at = CASE WHEN rate_windows.expires_at <= excluded.window_start
                      THEN excluded.expires_at ELSE rate_windows.expires_at END
  RETURNING hits`;

export interface PostgresOptions {
  /** Schema to create and use (tests use a throwaway one); default `public`. */
  schema?: string;
  maxConnections?: number;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toCard = (r: Row): CardRecord => ({
  id: r.id as string, identity: r.identity as string, publicKey: r.public_key as string, model: r.model as string,
  createdAt: num(r.created_at), previousCardId: (r.previous_card_id as string | null) ?? null,
  supersededBy: (r.superseded_by as string | null) ?? null, revokedAt: numOrNull(r.revoked_at),
});
const toPrekey = (r: Row): StoredPrekey => ({
  keyId: num(r.key_id), publicKey: r.public_key as string, createdAt: num(r.created_at), signature: r.signature as string,
});
const toEnvelope = (r: Row): EnvelopeRecord => ({
  id: String(r.id), recipientCardId: r.recipient_card_id as string, senderIdentity: r.sender_identity as string,
  senderCardId: r.sender_card_id as string, seq: num(r.seq), envelope: r.envelope as string,
  createdAt: num(r.created_at), expiresAt: num(r.expires_at),
});
const toArchive = (r: Row): ArchiveRecord => ({
  id: String(r.id), conversationId: r.conversation_id as string, messageDigest: r.message_digest as string,
  blob: r.blob as string, authorIdentity: r.author_identity as string, createdAt: num(r.created_at),
});

/** Decimal id strings from clients; anything else matches nothing. */
const rowId = (id: string | null): string => (id !== null && /^\d{1,18}$/.test(id) ? id : '0');

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresRepository> {
  const schema = options.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    options: `-c search_path=${quoteIdent(schema)}`,
  });
  const repo = new PostgresRepository(pool);
  try {
    await repo.migrate(schema);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return repo;
}

export class PostgresRepository implements Repository {
  readonly kind = 'postgres';
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async migrate(schema: string): Promise<void> {
    await this.tx(async (c) => {
      // One migrator at a time, across processes.
      await c.query('SELECT pg_advisory_xact_lock(7242001)');
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const { rows } = await c.query('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r: Row) => num(r.version)));
      for (const [index, sql] of MIGRATIONS.entries()) {
        if (applied.has(index + 1)) continue;
        await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [index + 1, Date.now()]);
      }
    });
  }

  /** Runs `fn` in a transaction; rolls back on throw or when it returns `rollback: true`. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private async one(sql: string, params: unknown[]): Promise<Row | null> {
    const { rows } = await this.pool.query(sql, params);
    return (rows[0] as Row | undefined) ?? null;
  }

  async createAccount(account: AccountRecord, inviteHash?: string): Promise<CreateAccountResult> {
    try {
      return await this.tx(async (c) => {
        if (inviteHash !== undefined) {
          const used = await c.query(
            `UPDATE invites SET used_by = $1, used_at = $2 WHERE code_hash = $3 AND used_at IS NULL
             AND (expires_at IS NULL OR expires_at > $2)`,
            [account.identity, account.createdAt, inviteHash],
          );
          if (used.rowCount !== 1) throw new Rollback('bad-invite');
        }
        const inserted = await c.query(
          'INSERT INTO accounts (identity, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [account.identity, account.passwordHash, account.createdAt],
        );
        if (inserted.rowCount !== 1) throw new Rollback('taken');
        return 'created' as const;
      });
    } catch (e) {
      if (e instanceof Rollback) return e.result as CreateAccountResult;
      throw e;
    }
  }

  async getAccount(identity: string): Promise<AccountRecord | null> {
    const r = await this.one('SELECT identity, password_hash, created_at FROM accounts WHERE identity = $1', [identity]);
    return r ? { identity: r.identity as string, passwordHash: r.password_hash as string, createdAt: num(r.created_at) } : null;
  }

  async createInvite(codeHash: string, createdAt: number, expiresAt: number | null): Promise<void> {
    await this.pool.query('INSERT INTO invites (code_hash, created_at, expires_at) VALUES ($1, $2, $3)',
      [codeHash, createdAt, expiresAt]);
  }

  async insertCard(card: CardRecord): Promise<InsertCardResult> {
    try {
      return await this.tx(async (c) => {
        const inserted = await c.query(
          `INSERT INTO cards (id, identity, public_key, model, created_at, previous_card_id)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [card.id, card.identity, card.publicKey, card.model, card.createdAt, card.previousCardId],
        );
        if (inserted.rowCount !== 1) throw new Rollback('exists');
        if (card.previousCardId !== null) {
          const updated = await c.query(
            `UPDATE cards SET superseded_by = $1 WHERE id = $2 AND identity = $3
             AND superseded_by IS NULL AND revoked_at IS NULL`,
            [card.id, card.previousCardId, card.identity],
          );
          if (updated.rowCount !== 1) throw new Rollback('previous-not-active');
        }
        return 'inserted' as const;
      });
    } catch (e) {
      if (e instanceof Rollback) return e.result as InsertCardResult;
      throw e;
    }
  }

  async getCard(id: string): Promise<CardRecord | null> {
    const r = await this.one('SELECT * FROM cards WHERE id = $1', [id]);
    return r ? toCard(r) : null;
  }

  async searchActiveCards(identities: readonly string[]): Promise<CardRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM cards WHERE identity = ANY($1::text[]) AND superseded_by IS NULL AND revoked_at IS NULL
       ORDER BY created_at, id`,
      [identities],
    );
    return rows.map(toCard);
  }

  async revokeCard(id: string, at: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE cards SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id]);
    return r.rowCount === 1;
  }

  async getSignedPrekey(cardId: string): Promise<StoredPrekey | null> {
    const r = await this.one('SELECT key_id, public_key, created_at, signature FROM signed_prekeys WHERE card_id = $1', [cardId]);
    return r ? toPrekey(r) : null;
  }

  async putPrekeys(cardId: string, signed: StoredPrekey | null, oneTime: readonly StoredPrekey[]): Promise<number> {
    return this.tx(async (c) => {
      if (signed) {
        await c.query(
          `INSERT INTO signed_prekeys (card_id, key_id, public_key, created_at, signature) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (card_id) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key,
           created_at = excluded.created_at, signature = excluded.signature`,
          [cardId, signed.keyId, signed.publicKey, signed.createdAt, signed.signature],
        );
      }
      if (oneTime.length > 0) {
        await c.query(
          `INSERT INTO one_time_prekeys (card_id, key_id, public_key, created_at, signature)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) ON CONFLICT DO NOTHING`,
          [cardId, oneTime.map((k) => k.keyId), oneTime.map((k) => k.publicKey), oneTime.map((k) => k.createdAt),
            oneTime.map((k) => k.signature)],
        );
      }
      const { rows } = await c.query(
        'SELECT count(*) AS n FROM one_time_prekeys WHERE card_id = $1 AND claimed_at IS NULL', [cardId]);
      return num(rows[0]?.n);
    });
  }

  async countOneTimePrekeys(cardId: string): Promise<number> {
    const r = await this.one('SELECT count(*) AS n FROM one_time_prekeys WHERE card_id = $1 AND claimed_at IS NULL', [cardId]);
    return num(r?.n);
  }

  async claimBundles(identity: string, claimer: string, at: number, cardIds?: readonly string[]): Promise<ClaimedBundle[]> {
    return this.tx(async (c) => {
      // $2 null: every claimable card of the identity; else only those of them listed.
      const { rows: cards } = await c.query(
        `SELECT c.id, c.identity, s.key_id, s.public_key, s.created_at, s.signature
         FROM cards c JOIN signed_prekeys s ON s.card_id = c.id
         WHERE c.identity = $1 AND c.superseded_by IS NULL AND c.revoked_at IS NULL
         AND ($2::text[] IS NULL OR c.id = ANY($2::text[]))
         ORDER BY c.created_at, c.id`,
        [identity, cardIds ?? null],
      );
      const bundles: ClaimedBundle[] = [];
      for (const card of cards as Row[]) {
        const { rows } = await c.query(
          `UPDATE one_time_prekeys SET claimed_at = $1, claimed_by = $2
           WHERE (card_id, key_id) = (SELECT card_id, key_id FROM one_time_prekeys
                                      WHERE card_id = $3 AND claimed_at IS NULL
                                      ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING key_id, public_key, created_at, signature`,
          [at, claimer, card.id],
        );
        const one = rows[0] as Row | undefined;
        bundles.push({
          cardId: card.id as string, identity: card.identity as string, signedPrekey: toPrekey(card),
          oneTimePrekey: one ? toPrekey(one) : null,
        });
      }
      return bundles;
    });
  }

  async getBackup(identity: string): Promise<BackupRecord | null> {
    const r = await this.one('SELECT version, blob FROM backups WHERE identity = $1', [identity]);
    return r ? { version: num(r.version), blob: r.blob as string } : null;
  }

  async putBackup(identity: string, blob: string, expectedVersion: number | null, at: number): Promise<PutBackupResult> {
    const r = expectedVersion === null
      ? await this.one(
        `INSERT INTO backups (identity, version, blob, updated_at) VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING
         RETURNING version`, [identity, blob, at])
      : await this.one(
        `UPDATE backups SET version = version + 1, blob = $1, updated_at = $2 WHERE identity = $3 AND version = $4
         RETURNING version`, [blob, at, identity, expectedVersion]);
    if (r) return { ok: true, version: num(r.version) };
    const current = await this.getBackup(identity);
    return { ok: false, current: current?.version ?? null };
  }

  async deleteBackup(identity: string, expectedVersion: number): Promise<PutBackupResult> {
    const r = await this.pool.query('DELETE FROM backups WHERE identity = $1 AND version = $2', [identity, expectedVersion]);
    if (r.rowCount === 1) return { ok: true, version: expectedVersion };
    const current = await this.getBackup(identity);
    return { ok: false, current: current?.version ?? null };
  }

  async enqueueEnvelope(
    e: Omit<EnvelopeRecord, 'id'>,
    limits: { maxTotal: number; maxPerSender: number; now: number },
  ): Promise<EnqueueResult> {
    return this.tx(async (c): Promise<EnqueueResult> => {
      // Serialises enqueues per mailbox so the counts below stay true until commit.
      await c.query('SELECT id FROM cards WHERE id = $1 FOR UPDATE', [e.recipientCardId]);
      const { rows } = await c.query(
        `SELECT count(*) AS total, count(*) FILTER (WHERE sender_identity = $2) AS mine
         FROM mailbox WHERE recipient_card_id = $1 AND expires_at > $3`,
        [e.recipientCardId, e.senderIdentity, limits.now],
      );
      if (num(rows[0]?.total) >= limits.maxTotal) return { ok: false, reason: 'full' };
      if (num(rows[0]?.mine) >= limits.maxPerSender) return { ok: false, reason: 'sender-quota' };
      const inserted = await c.query(
        `INSERT INTO mailbox (recipient_card_id, sender_identity, sender_card_id, seq, envelope, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
        [e.recipientCardId, e.senderIdentity, e.senderCardId, e.seq, e.envelope, e.createdAt, e.expiresAt],
      );
      const row = inserted.rows[0] as Row | undefined;
      return row ? { ok: true, id: String(row.id) } : { ok: false, reason: 'duplicate-seq' };
    });
  }

  async fetchEnvelopes(recipientCardId: string, after: string | null, limit: number, now: number): Promise<EnvelopeRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM mailbox WHERE recipient_card_id = $1 AND id > $2 AND expires_at > $3 ORDER BY id LIMIT $4`,
      [recipientCardId, rowId(after), now, limit],
    );
    return rows.map(toEnvelope);
  }

  async ackEnvelopes(recipientCardId: string, ids: readonly string[]): Promise<number> {
    const r = await this.pool.query('DELETE FROM mailbox WHERE recipient_card_id = $1 AND id = ANY($2::bigint[])',
      [recipientCardId, ids.map(rowId)]);
    return r.rowCount ?? 0;
  }

  async purgeExpiredEnvelopes(now: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM mailbox WHERE expires_at <= $1', [now]);
    return r.rowCount ?? 0;
  }

  async hitWindow(key: string, windowMs: number, now: number): Promise<number> {
    const r = await this.one(HIT_WINDOW_SQL, [key, now, windowMs]);
    return num(r?.hits);
  }

  async windowCount(key: string, now: number): Promise<number> {
    const r = await this.one('SELECT hits FROM rate_windows WHERE limit_key = $1 AND expires_at > $2', [key, now]);
    return r ? num(r.hits) : 0;
  }

  async undoWindowHit(key: string, hitAt: number): Promise<void> {
    await this.pool.query(
      `UPDATE rate_windows SET hits = hits - 1 WHERE limit_key = $1 AND hits > 0
       AND window_start <= $2 AND expires_at > $2`, [key, hitAt]);
  }

  async resetWindow(key: string): Promise<void> {
    await this.pool.query('DELETE FROM rate_windows WHERE limit_key = $1', [key]);
  }

  async purgeExpiredWindows(now: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM rate_windows WHERE expires_at <= $1', [now]);
    return r.rowCount ?? 0;
  }

  async insertArchive(a: Omit<ArchiveRecord, 'id'>): Promise<string> {
    const r = await this.one(
      `INSERT INTO archive (conversation_id, message_digest, blob, author_identity, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [a.conversationId, a.messageDigest, a.blob, a.authorIdentity, a.createdAt],
    );
    return String(r?.id);
  }

  async listArchive(conversationId: string | null, after: string | null, limit: number): Promise<ArchiveRecord[]> {
    const { rows } = conversationId === null
      ? await this.pool.query('SELECT * FROM archive WHERE id > $1 ORDER BY id LIMIT $2', [rowId(after), limit])
      : await this.pool.query('SELECT * FROM archive WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3',
        [conversationId, rowId(after), limit]);
    return rows.map(toArchive);
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/** Thrown inside a transaction to roll it back and report a result. */
class Rollback extends Error {
  constructor(readonly result: string) {
    super(result);
  }
}
