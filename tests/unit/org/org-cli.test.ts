/**
 * `npm run org -- keygen/export` end to end: a real directory with an admin token, two
 * archive entries posted by a client, the CLI run as a child process reading them back
 * through GET /v1/archive and printing decrypted JSON lines.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { newHeader } from '../../../lib/cardmode';
import { makeArchiveEntry } from '../../../lib/org';
import { call, newUser, startTestDirectory, type TestDirectory } from '../../server/support/harness';

const run = promisify(execFile);
const ADMIN = 'admin-token-for-tests-0123456789';
let t: TestDirectory;
let work: string;

beforeAll(async () => {
  await ensureCrypto();
  t = await startTestDirectory({ config: { adminToken: ADMIN } });
  work = mkdtempSync(join(tmpdir(), 'overcrypt-org-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  // process.execPath: the same Node that runs the tests (better-sqlite3 is not needed here).
  return run(process.execPath, ['--import', 'tsx', 'server/cli/org.ts', ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('org CLI', () => {
  it('keygen then export decrypts what clients archived', async () => {
    const keyFile = join(work, 'org.key');
    const { stdout: publicKey } = await cli(['keygen', '--out', keyFile]);
    expect(readFileSync(keyFile, 'utf8').trim().length).toBeGreaterThan(40);
    await expect(cli(['keygen', '--out', keyFile])).rejects.toMatchObject({ code: 2 });

    const bob = await newUser(t, 'bob-org');
    for (const [i, text] of ['first words', 'second words'].entries()) {
      const header = newHeader({ conversation: { namespace: 'mail.example', conversation: 'thread' }, sender: { identity: 'alice', cardId: 'ab'.repeat(32) }, scope: { recipientCardIds: ['ab'.repeat(32)] }, counter: i, now: 1000 + i, archived: true });
      const entry = makeArchiveEntry({ orgPublicKey: publicKey.trim(), header, body: new TextEncoder().encode(text), archiver: { identity: 'bob-org', cardId: 'cd'.repeat(32) } });
      const posted = await call(t.url, 'POST', '/v1/archive', { token: bob.token, body: entry });
      expect(posted.status).toBe(201);
    }
    const { stdout } = await cli(['export', '--key', keyFile, '--url', t.url], { OVERCRYPT_ADMIN_TOKEN: ADMIN });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.text)).toEqual(['first words', 'second words']);
    expect(lines[0]).toMatchObject({ conversationId: 'mail.example/thread', authorIdentity: 'bob-org', archiver: { identity: 'bob-org' }, header: { senderIdentity: 'alice', archivedToOrg: true, conversation: { namespace: 'mail.example', conversation: 'thread' } } });
    expect(lines[0].header.messageId).toMatch(/^[0-9a-f]{32}$/);

    await expect(cli(['export', '--key', keyFile, '--url', t.url, '--admin-token', 'wrong'])).rejects.toMatchObject({ code: 1 });
  }, 120_000);
});
