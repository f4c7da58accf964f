/**
 * Organisation backup copy, admin side (seed 001).
 *
 *   npm run org -- keygen --out org.key
 *       Creates the org key pair. Writes the private key (base64 PKCS#8, mode 0600) and
 *       prints the public key to put in managed policy as `orgPublicKey`.
 *   npm run org -- export --key org.key --url http://127.0.0.1:8787 [--admin-token T] [--conversation ID] [--after ID]
 *   npm run org -- export --key org.key --db sqlite:./data/overcrypt.db
 *       Decrypts the archive and prints one JSON object per line:
 *       {id, conversationId, messageDigest, authorIdentity, createdAt, archiver, header, text | bodyBase64}.
 *       With --url the archive is read through GET /v1/archive (Authorization: Bearer
 *       <admin token>; --admin-token or OVERCRYPT_ADMIN_TOKEN), so this CLI does not
 *       depend on the server's storage code; --db reads the database directly.
 *       Entries that do not decrypt are reported on stderr as {id, error} and skipped;
 *       the exit code is 1 if any were.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ensureCrypto, virgil } from '../../lib/crypto/init';
import { openArchiveBlob } from '../../lib/org';
import { exportPrivateKeyBytes, exportPublicKeyBase64, importPrivateKeyBytes } from '../../lib/cards';
import { decodeBase64, encodeBase64, fromUtf8, toHex } from '../../lib/cards/bytes';
import { HeaderFlag, type MessageHeader } from '../../lib/wire/header';
import { isError } from '../../lib/errors';
import type { ArchiveEntry, ArchiveResponse } from '../../lib/directory/wire';

const PAGE = 500;

const { positionals, values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    key: { type: 'string' },
    out: { type: 'string' },
    url: { type: 'string' },
    db: { type: 'string' },
    'admin-token': { type: 'string' },
    conversation: { type: 'string' },
    after: { type: 'string' },
  },
});

function usage(message: string): never {
  console.error(`${message}\nusage: org keygen --out <file> | org export --key <file> (--url <directory> [--admin-token T] | --db <url>) [--conversation ID] [--after ID]`);
  process.exit(2);
}

async function keygen(out: string | undefined): Promise<void> {
  if (!out) usage('keygen needs --out <file>');
  if (existsSync(out)) usage(`${out} exists; refusing to overwrite an org key`);
  await ensureCrypto();
  const pair = virgil().generateKeys();
  writeFileSync(out, encodeBase64(exportPrivateKeyBytes(pair.privateKey)) + '\n', { mode: 0o600, flag: 'wx' });
  console.log(exportPublicKeyBase64(pair.publicKey));
  console.error(`private key written to ${out} (keep it offline); put the public key above in managed policy as "orgPublicKey"`);
}

/** Pages of archive entries, from the directory's HTTP API or straight from its database. */
async function* archivePages(): AsyncGenerator<ArchiveEntry[]> {
  let after = values.after ?? null;
  const conversation = values.conversation ?? null;
  if (values.db) {
    const { openRepository } = await import('../storage/open');
    const repo = await openRepository(values.db);
    try {
      for (;;) {
        const page = (await repo.listArchive(conversation, after, PAGE)) as ArchiveEntry[];
        if (page.length === 0) return;
        yield page;
        after = page[page.length - 1]!.id;
      }
    } finally {
      await repo.close();
    }
  }
  const base = (values.url ?? usage('export needs --url <directory> or --db <url>')).replace(/\/+$/, '');
  const token = values['admin-token'] ?? process.env.OVERCRYPT_ADMIN_TOKEN ?? usage('export --url needs --admin-token or OVERCRYPT_ADMIN_TOKEN');
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE), ...(after ? { after } : {}), ...(conversation ? { conversationId: conversation } : {}) });
    const res = await fetch(`${base}/v1/archive?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) {
      console.error(`GET /v1/archive: HTTP ${res.status} ${await res.text()}`);
      process.exit(1);
    }
    const { entries } = (await res.json()) as ArchiveResponse;
    if (entries.length === 0) return;
    yield entries;
    after = entries[entries.length - 1]!.id;
  }
}

async function exportArchive(keyFile: string | undefined): Promise<void> {
  if (!keyFile) usage('export needs --key <private key file>');
  await ensureCrypto();
  const keyBytes = decodeBase64(readFileSync(keyFile, 'utf8').trim());
  if (!keyBytes) usage(`${keyFile} is not a base64 private key`);
  const { privateKey } = importPrivateKeyBytes(keyBytes);
  keyBytes.fill(0);
  let ok = 0;
  let failed = 0;
  for await (const page of archivePages()) {
    for (const entry of page) {
      try {
        const opened = openArchiveBlob(entry.blob, privateKey);
        const text = fromUtf8(opened.body);
        console.log(JSON.stringify({
          id: entry.id, conversationId: entry.conversationId, messageDigest: entry.messageDigest, authorIdentity: entry.authorIdentity,
          createdAt: entry.createdAt, archiver: opened.archiver, header: headerJson(opened.header),
          ...(text !== undefined ? { text } : { bodyBase64: encodeBase64(opened.body) }),
        }));
        ok++;
      } catch (e) {
        console.error(JSON.stringify({ id: entry.id, error: isError(e) ? e.code : 'Internal' }));
        failed++;
      }
    }
  }
  console.error(`${ok} entries exported, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

/** The binding header with its byte fields as hex, for JSON output. */
function headerJson(h: MessageHeader): Record<string, unknown> {
  const audience = h.audience.type === 'recipients' ? { type: 'recipients', hash: toHex(h.audience.hash) } : h.audience;
  return {
    conversation: h.conversation, senderIdentity: h.senderIdentity, senderCardId: h.senderCardId, audience,
    archivedToOrg: (h.flags & HeaderFlag.ArchivedToOrg) !== 0, messageId: toHex(h.messageId), counter: h.counter, sentAt: h.sentAt,
  };
}

const command = positionals[0];
if (command === 'keygen') await keygen(values.out);
else if (command === 'export') await exportArchive(values.key);
else usage(`unknown command ${command ?? '(none)'}`);
