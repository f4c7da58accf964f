/**
 * At rest, after a real session in Chromium: the extension's IndexedDB holds no plaintext message, no private key,
 * no passphrase and no account password — checked on every record read raw from an extension page (no vault), and
 * on the LevelDB files of the closed profile.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '../fixture';
import { extensionApi, setUpParties, startTestSite, type TestSite } from '../fixture/register';
import { startDirectory, type Directory } from '../harness/directory';
import { sql } from './directory-db';
import { openBackup } from '../../lib/backup';

const CONVERSATION = '#c';
const BACKUP_PASSWORD = 'backup password for the test 42';

let directory: Directory;
let site: TestSite;

test.beforeEach(async () => {
  [directory, site] = await Promise.all([startDirectory(), startTestSite()]);
});

test.afterEach(async () => {
  await site?.close();
  await directory?.stop();
});

/** Every IndexedDB record of the extension's origin, raw: strings as they are, binary as hex. */
const DUMP_IDB = async (): Promise<string> => {
  const hex = (b: ArrayBuffer | ArrayBufferView) => {
    const u = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return `hex:${Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('')}`;
  };
  const replacer = (_k: string, v: unknown) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? hex(v as ArrayBuffer) : v);
  const done = <T,>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
  const out: string[] = [];
  for (const info of await indexedDB.databases()) {
    const db = await done(indexedDB.open(info.name!));
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name).objectStore(name);
      const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
      out.push(JSON.stringify({ db: info.name, store: name, keys, values }, replacer));
    }
    db.close();
  }
  return out.join('\n');
};

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The LevelDB files (and blob files) of the extension's IndexedDB in a closed profile. */
function leveldbBytes(profile: string, extensionId: string): Buffer {
  const root = path.join(profile, 'Default', 'IndexedDB');
  const chunks: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else chunks.push(readFileSync(p));
    }
  };
  for (const name of readdirSync(root).filter((n) => n.includes(extensionId))) walk(path.join(root, name));
  return Buffer.concat(chunks);
}

test('the raw IndexedDB holds no plaintext, no private key, no passphrase after a session', async ({ alice, bob }, testInfo) => {
  test.setTimeout(300_000);
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const secrets = ['Meet at the old mill at 21:40, bring the ledger', 'The vault code is QX-7719-ALPHA'];
  const fromAlice = await a!.chat.send(CONVERSATION, [secrets[0]!]);
  expect((await b!.chat.show(CONVERSATION, 'alice', [fromAlice[0]!.parts]))[0]).toMatchObject({ plaintext: secrets[0] });
  const fromBob = await b!.chat.send(CONVERSATION, [secrets[1]!]);
  expect((await a!.chat.show(CONVERSATION, 'bob', [fromBob[0]!.parts]))[0]).toMatchObject({ plaintext: secrets[1] });

  // A known private key: alice's own, from her key backup (opened here with the backup password).
  const api = await extensionApi(alice);
  await api.ok({ type: 'backup/create', backupPassword: BACKUP_PASSWORD });
  const [row] = sql<{ blob: string }>(directory.dbFile, 'SELECT blob FROM backups WHERE identity = ?', [a!.identity]);
  const backup = await openBackup(row!.blob, BACKUP_PASSWORD, { identity: a!.identity, lastSeenVersion: 0 });
  // PKCS#8 Ed25519: the last 32 bytes are the private key itself.
  const privateKeys = [backup.identityKey, ...backup.devices.map((d) => d.privateKey)].map((k) => k.slice(-32));
  expect(privateKeys.length).toBeGreaterThanOrEqual(2);

  const dump = await api.page.evaluate(DUMP_IDB);
  await api.page.close();
  // Control: the dump is real (public, unencrypted data is found).
  expect(dump).toContain(directory.url);
  expect(dump.length).toBeGreaterThan(10_000);
  const needles: Array<[string, string]> = [
    ...secrets.map((s, i): [string, string] => [`plaintext ${i}`, s]),
    ...privateKeys.flatMap((k, i): Array<[string, string]> => [
      [`private key ${i} (hex)`, hexOf(k)],
      [`private key ${i} (base64)`, Buffer.from(k).toString('base64').slice(0, 40)],
    ]),
    ['passphrase', a!.passphrase],
    ['account password', 'alice account password'],
    ['backup password', BACKUP_PASSWORD],
  ];
  for (const [what, needle] of needles) expect(dump.includes(needle), `IndexedDB dump contains the ${what}`).toBe(false);

  // The files themselves, after the browser closed (what a disk image would show).
  const profile = alice.userDataDir;
  await alice.context.close();
  const files = leveldbBytes(profile, alice.extensionId);
  const controlOnDisk = files.includes(Buffer.from(directory.url));
  testInfo.annotations.push({ type: 'leveldb', description: JSON.stringify({ bytes: files.length, controlFound: controlOnDisk }) });
  expect(files.length).toBeGreaterThan(0);
  for (const s of secrets) expect(files.includes(Buffer.from(s)), 'plaintext in the LevelDB files').toBe(false);
  for (const k of privateKeys) expect(files.includes(Buffer.from(k)), 'private key in the LevelDB files').toBe(false);
  expect(files.includes(Buffer.from(a!.passphrase)), 'passphrase in the LevelDB files').toBe(false);
});
