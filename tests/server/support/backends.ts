/**
 * The storage backends every storage-level suite runs against: SQLite (a temp file) and
 * PostgreSQL (a throwaway cluster, see postgres.ts; skipped visibly when unavailable locally).
 * A database can be connected to several times, as several directory processes would.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgres } from '../../../server/storage/postgres';
import type { Repository } from '../../../server/storage/repository';
import { openSqlite } from '../../../server/storage/sqlite';
import { dropSchema, freshSchema, startPostgres } from './postgres';

export interface TestDatabase {
  /** A new connection to this database (its own Repository, as another process would open). */
  connect(): Promise<Repository>;
  /** Runs raw SQL on the database, outside any Repository (e.g. to undo a migration). */
  sql(statements: string): Promise<void>;
  /** Closes every connection made and deletes the database. */
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

export interface Backends {
  list: Backend[];
  /** Stops the PostgreSQL cluster, if one was started. */
  stop(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const pg = await startPostgres();
  const list: Backend[] = [{ name: 'sqlite', create: async () => sqliteDatabase() }];
  if (pg) list.push({ name: 'postgres', create: async () => postgresDatabase(pg.url) });
  return { list, stop: async () => pg?.stop() };
}

function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'overcrypt-sqlite-'));
  const open: Repository[] = [];
  return {
    async connect() {
      const repo = openSqlite(join(dir, 'db.sqlite'));
      open.push(repo);
      return repo;
    },
    async sql(statements) {
      const db = new Database(join(dir, 'db.sqlite'));
      try {
        db.exec(statements);
      } finally {
        db.close();
      }
    },
    async cleanup() {
      for (const repo of open.splice(0)) await repo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresDatabase(url: string): TestDatabase {
  const schema = freshSchema();
  const open: Repository[] = [];
  return {
    async connect() {
      const repo = await openPostgres(url, { schema, maxConnections: 20 });
      open.push(repo);
      return repo;
    },
    async sql(statements) {
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        await client.query(statements);
      } finally {
        await client.end();
      }
    },
    async cleanup() {
      for (const repo of open.splice(0)) await repo.close();
      await dropSchema(url, schema);
    },
  };
}
