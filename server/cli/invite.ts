/**
 * `npm run directory:invite -- [--db sqlite:./data/overcrypt.db] [--count 1] [--ttl 7d]`
 * Prints one-time invite codes for `--registration invite`. Only their SHA-256 is stored.
 */
import { parseArgs } from 'node:util';
import { createInvite } from '../core/accounts';
import { parseDuration } from '../config';
import { openRepository } from '../storage/open';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    db: { type: 'string' },
    count: { type: 'string' },
    ttl: { type: 'string' },
  },
});
const db = values.db ?? process.env.OVERCRYPT_DB ?? 'sqlite:./data/overcrypt.db';
const count = Number(values.count ?? '1');
if (!Number.isInteger(count) || count < 1 || count > 1000) {
  console.error('--count must be 1-1000');
  process.exit(2);
}
const ttlMs = values.ttl === undefined ? 7 * 86_400_000 : values.ttl === 'never' ? null : parseDuration(values.ttl);
const repo = await openRepository(db);
try {
  for (let i = 0; i < count; i++) console.log(await createInvite(repo, Date.now(), ttlMs));
  console.error(`${count} invite code(s) created${ttlMs === null ? '' : `, valid for ${Math.round(ttlMs / 3_600_000)} h`}; ` +
    'each works once: POST /v1/accounts {identity, password, invite}');
} finally {
  await repo.close();
}
