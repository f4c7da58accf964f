/** Opens the repository a `--db` URL names: `sqlite:<path>` (or `sqlite::memory:`) or `postgres://...`. */
import { openSqlite, type SqliteOptions } from './sqlite';
import { openPostgres, type PostgresOptions } from './postgres';
import type { Repository } from './repository';

export interface OpenOptions {
  sqlite?: SqliteOptions;
  postgres?: PostgresOptions;
}

export async function openRepository(url: string, options: OpenOptions = {}): Promise<Repository> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.length === 0) throw new Error('sqlite URL needs a path: sqlite:./data/overcrypt.db');
    return openSqlite(path, options.sqlite);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, options.postgres);
  }
  throw new Error(`unsupported --db URL (use sqlite:<path> or postgres://...): ${redactUrl(url)}`);
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
