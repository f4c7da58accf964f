/**
 * Reads (and, for test setup only, edits) the directory's SQLite database from a test, to check what the UI did
 * really reached the directory. Runs better-sqlite3 in the project's Node (the Playwright runner may be on
 * another Node ABI, see tests/harness/node.ts).
 */
import { execFileSync } from 'node:child_process';
import { projectNode, REPO_ROOT } from '../harness/node';

export function sql<T = Record<string, unknown>>(dbFile: string, query: string, params: unknown[] = []): T[] {
  const script = `
    const Database = require('better-sqlite3');
    const [file, query, params] = JSON.parse(process.argv[1]);
    const db = new Database(file, { timeout: 10000 });
    const st = db.prepare(query);
    const out = st.reader ? st.all(...params) : [st.run(...params)];
    db.close();
    process.stdout.write(JSON.stringify(out));`;
  const out = execFileSync(projectNode(), ['-e', script, JSON.stringify([dbFile, query, params])], { cwd: REPO_ROOT, encoding: 'utf8' });
  return JSON.parse(out) as T[];
}

export function activeCards(dbFile: string, identity: string): string[] {
  return sql<{ id: string }>(
    dbFile,
    'SELECT id FROM cards WHERE identity = ? AND superseded_by IS NULL AND revoked_at IS NULL ORDER BY created_at',
    [identity],
  ).map((r) => r.id);
}

export function unclaimedPrekeys(dbFile: string, cardId: string): number {
  return sql<{ n: number }>(dbFile, 'SELECT count(*) AS n FROM one_time_prekeys WHERE card_id = ? AND claimed_at IS NULL', [cardId])[0]!.n;
}

/** Simulates other people starting sessions: marks `n` one-time prekeys of the card as claimed. */
export function claimPrekeys(dbFile: string, cardId: string, n: number): void {
  sql(
    dbFile,
    `UPDATE one_time_prekeys SET claimed_at = ?, claimed_by = 'e2e-test'
       WHERE card_id = ? AND key_id IN (SELECT key_id FROM one_time_prekeys WHERE card_id = ? AND claimed_at IS NULL LIMIT ?)`,
    [Date.now(), cardId, cardId, n],
  );
}
