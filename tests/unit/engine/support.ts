/**
 * End-to-end engine tests in Node: the real directory (server/, in-process, temp SQLite, random port) and
 * OvercryptService instances with the real engines (lib/engine), each over its own fake-IndexedDB database,
 * driven through `service.handle` exactly like the content script, the compose/display frames and the popup.
 * No vitest import: bench/worker.bench.ts uses these helpers too.
 */
import 'fake-indexeddb/auto';
import { openStorage } from '../../../lib/storage';
import { InMemorySessionKeyStore } from '../../../lib/vault';
import { InMemoryEphemeralStore, OvercryptService, type SenderInfo } from '../../../lib/service';
import { createEngines } from '../../../lib/engine';
import type { ApiRequest } from '../../../lib/api';
import { TEST_FLOOR, uniqueDbName } from '../vault/fixtures';
import { EXT, EXT_ID } from '../service/fakes';
import type { TestDirectory } from '../../server/support/harness';

export const HOST = 'chat.example';
export const NAMESPACE = 'irc';
export const PASSPHRASE = 'local passphrase 1';

export const as = {
  popup: (): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/popup.html` }),
  tab: (): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/firstrun.html`, tab: { id: 99 }, frameId: 0 }),
  cs: (tab = 1): SenderInfo => ({ id: EXT_ID, origin: `https://${HOST}`, url: `https://${HOST}/#/chan`, tab: { id: tab }, frameId: 0 }),
  compose: (tab = 1): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/compose-frame.html`, tab: { id: tab }, frameId: 5, documentId: `doc-${tab}-5` }),
  display: (tab = 1): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/display-frame.html`, tab: { id: tab }, frameId: 6 }),
};

/** Real time plus an offset tests can move (the directory checks prekey ages against its own clock). */
export class ShiftedClock {
  offset = 0;
  now = () => Date.now() + this.offset;
}

type Reply = { ok: boolean; value?: any; error?: { code: string; message: string } };

export interface User {
  name: string;
  identity: string;
  dbName: string;
  service: OvercryptService;
  clock: ShiftedClock;
  call(sender: SenderInfo, request: ApiRequest): Promise<Reply>;
  /** Same IndexedDB, new service object (worker restart; session key kept, like chrome.storage.session). */
  restart(): Promise<User>;
}

interface Stores {
  dbName: string;
  sessionKeys: InMemorySessionKeyStore;
  ephemeral: InMemoryEphemeralStore;
  clock: ShiftedClock;
}

async function makeUser(name: string, policy: () => unknown, stores?: Stores): Promise<User> {
  const s: Stores = stores ?? { dbName: uniqueDbName(), sessionKeys: new InMemorySessionKeyStore(), ephemeral: new InMemoryEphemeralStore(), clock: new ShiftedClock() };
  const db = await openStorage({ name: s.dbName });
  const service = new OvercryptService({
    db,
    sessionKeys: s.sessionKeys,
    ephemeral: s.ephemeral,
    clock: s.clock,
    fetch: (input, init) => fetch(input, init),
    engines: createEngines(),
    policy: { read: async () => policy() },
    self: { extensionId: EXT_ID, extensionOrigin: EXT },
    kdf: { iterations: 1_000 },
    floor: TEST_FLOOR,
    directory: { retries: 0, timeoutMs: 20_000 },
  });
  const user: User = {
    name,
    identity: `${name}@${NAMESPACE}`,
    dbName: s.dbName,
    service,
    clock: s.clock,
    call: (sender, request) => service.handle(request, sender) as Promise<Reply>,
    restart: async () => {
      db.close();
      return makeUser(name, policy, s);
    },
  };
  return user;
}

export async function ok(p: Promise<Reply>, what = 'request'): Promise<any> {
  const r = await p;
  if (!r.ok) throw new Error(`${what} failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** A fresh browser for `name` (not set up). */
export function newBrowser(name: string, policy: () => unknown = () => undefined): Promise<User> {
  return makeUser(name, policy);
}

/** Registers `name@irc` against the test directory and enables the chat site. */
export async function register(t: TestDirectory, name: string, opts: { policy?: () => unknown } = {}): Promise<User> {
  const u = await makeUser(name, opts.policy ?? (() => undefined));
  await ok(u.call(as.tab(), { type: 'account/register', directoryUrl: t.url, identity: `${name}@${NAMESPACE}`, password: `${name} account password`, passphrase: PASSPHRASE }), `register ${name}`);
  await ok(u.call(as.popup(), { type: 'sites/toggle', host: HOST, enabled: true, mode: 'forward-secret' }));
  return u;
}

/** A second browser of `name`: restores from the backup. */
export async function restore(t: TestDirectory, name: string, backupPassword: string): Promise<User> {
  const u = await makeUser(name, () => undefined);
  await ok(
    u.call(as.tab(), { type: 'account/restore', directoryUrl: t.url, identity: `${name}@${NAMESPACE}`, password: `${name} account password`, backupPassword, passphrase: PASSPHRASE }),
    `restore ${name}`,
  );
  await ok(u.call(as.popup(), { type: 'sites/toggle', host: HOST, enabled: true, mode: 'forward-secret' }));
  return u;
}

/** The content script of `u` reports the channel page (`participants` are page handles) and turns encryption on. */
export async function openChannel(u: User, conversationId: string, participants: string[], maxMessageLength = 350, tab = 1): Promise<void> {
  await ok(
    u.call(as.cs(tab), {
      type: 'page/context',
      context: {
        host: HOST,
        adapterId: 'thelounge',
        namespace: NAMESPACE,
        selfHandle: u.name,
        conversation: { id: conversationId, kind: 'channel' },
        participants: participants.map((handle) => ({ handle })),
        maxMessageLength,
      },
    }),
    'page/context',
  );
  await ok(u.call(as.cs(tab), { type: 'page/setEncryption', host: HOST, conversationId, on: true }), 'setEncryption');
}

/** compose/open + claim + approve (every device offered) + submit; returns the armor parts. */
export async function send(u: User, conversationId: string, plaintext: string, tab = 1): Promise<{ parts: string[]; job: any }> {
  const opened = await ok(u.call(as.cs(tab), { type: 'compose/open', host: HOST, conversationId }), 'compose/open');
  const job = await ok(u.call(as.compose(tab), { type: 'compose/claim', handle: opened.handle }), 'compose/claim');
  const pending = (job.recipients as any[]).flatMap((r) => r.devices.filter((d: any) => !d.approved).map((d: any) => d.cardId));
  if (pending.length) await ok(u.call(as.compose(tab), { type: 'compose/approve', jobId: opened.jobId, cardIds: pending }), 'compose/approve');
  await ok(u.call(as.compose(tab), { type: 'compose/submit', jobId: opened.jobId, plaintext }), 'compose/submit');
  const out = await ok(u.call(as.cs(tab), { type: 'compose/output', jobId: opened.jobId }), 'compose/output');
  const parts = out.outputs[0].parts as string[];
  if (parts.length === 0) throw new Error('compose produced no parts');
  return { parts, job };
}

/** One compose job (open + claim + approve), then one submit per text: the parts of each, in order. */
export async function sendMany(u: User, conversationId: string, texts: readonly string[], tab = 1): Promise<string[][]> {
  const opened = await ok(u.call(as.cs(tab), { type: 'compose/open', host: HOST, conversationId }), 'compose/open');
  const job = await ok(u.call(as.compose(tab), { type: 'compose/claim', handle: opened.handle }), 'compose/claim');
  const pending = (job.recipients as any[]).flatMap((r) => r.devices.filter((d: any) => !d.approved).map((d: any) => d.cardId));
  if (pending.length) await ok(u.call(as.compose(tab), { type: 'compose/approve', jobId: opened.jobId, cardIds: pending }), 'compose/approve');
  const out: string[][] = [];
  for (const plaintext of texts) {
    await ok(u.call(as.compose(tab), { type: 'compose/submit', jobId: opened.jobId, plaintext }), 'compose/submit');
    const taken = await ok(u.call(as.cs(tab), { type: 'compose/output', jobId: opened.jobId }), 'compose/output');
    out.push(taken.outputs[0].parts as string[]);
  }
  return out;
}

/** armor/found + display/open + display/fetch of one message, as the content script and the display frame do. */
export async function show(u: User, parts: string[], where: { conversationId: string; pageAuthor?: string }, tab = 1): Promise<any> {
  return (await showRegion(u, [parts], where, tab))[0];
}

/**
 * One display region of `messages` (page order): armor/found with every item, display/open in the display frame,
 * display/fetch in chunks of `chunk` indices. Returns one DisplayItem per message.
 */
export async function showRegion(u: User, messages: string[][], where: { conversationId: string; pageAuthor?: string }, tab = 1, chunk = 100): Promise<any[]> {
  const items = messages.map((parts) => ({ parts, heightPx: 40, ...(where.pageAuthor !== undefined ? { pageAuthor: where.pageAuthor } : {}) }));
  const found = await ok(u.call(as.cs(tab), { type: 'armor/found', host: HOST, conversationId: where.conversationId, items }), 'armor/found');
  const region = await ok(u.call(as.display(tab), { type: 'display/open', handle: found.handle }), 'display/open');
  const out: any[] = [];
  for (let i = 0; i < messages.length; i += chunk) {
    const indices = Array.from({ length: Math.min(chunk, messages.length - i) }, (_, k) => i + k);
    out.push(...(await ok(u.call(as.display(tab), { type: 'display/fetch', jobId: region.jobId, indices }), 'display/fetch')).items);
  }
  return out;
}
