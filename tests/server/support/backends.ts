/**
 * The storage backends every storage-level suite runs against: SQLite (a temp file) and
 * PostgreSQL (a throwaway cluster, see postgres.ts; skipped visibly when unavailable locally).
 * A database can be connected to several times, as several directory processes would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../../server/storage/postgres';
import type { Repository } from '../../../server/storage/repository';
import { openSqlite } from '../../../server/storage/sqlite';
import { dropSchema, freshSchema, startPostgres } from './postgres';

export interface TestDatabase {
  /** A new connection to this database (its own Repository, as another process would open). */
  connect(): Promise<Repository>;
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
    async cleanup() {
      for (const repo of open.splice(0)) await repo.close();
      await dropSchema(url, schema);
    },
  };
}
