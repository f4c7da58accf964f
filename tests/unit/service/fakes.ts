/**
 * Test doubles for the service: fake engines with a counter "ratchet" (each send on a session takes the next
 * counter: a reused counter = a reused message key), senders of every kind, and a service factory.
 */
import 'fake-indexeddb/auto';
import { openStorage } from '../../../lib/storage';
import { InMemorySessionKeyStore } from '../../../lib/vault';
import {
  InMemoryEphemeralStore,
  OvercryptService,
  type Engines,
  type EngineEnv,
  type Notifier,
  type SenderInfo,
  type DecryptOutput,
  type SiteScriptRegistry,
} from '../../../lib/service';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import type { ApiRequest, PagePush, WorkerPush } from '../../../lib/api';
import type { FetchLike } from '../../../lib/directory/client';
import type { ToolbarBadge } from '../../../lib/service/toolbar';
import { FakeClock, TEST_FLOOR, uniqueDbName } from '../vault/fixtures';

export const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
export const EXT = `chrome-extension://${EXT_ID}`;
export const HOST = 'chat.example';
export const SELF_CARD = 'a1'.repeat(32);
export const DEVICE_PRIVATE_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

export const senders = {
  popup: (): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/popup.html` }),
  tab: (): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/firstrun.html`, tab: { id: 99 }, frameId: 0 }),
  cs: (tab = 1, frame = 0): SenderInfo => ({ id: EXT_ID, origin: `https://${HOST}`, url: `https://${HOST}/#/chan`, tab: { id: tab }, frameId: frame }),
  compose: (tab = 1, frame = 5): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/compose-frame.html`, tab: { id: tab }, frameId: frame, documentId: `doc-${tab}-${frame}` }),
  display: (tab = 1, frame = 6): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/display-frame.html`, tab: { id: tab }, frameId: frame }),
  otherExtension: (): SenderInfo => ({ id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', origin: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', url: 'chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/x.html' }),
  unknownPage: (): SenderInfo => ({ id: EXT_ID, origin: EXT, url: `${EXT}/secret-debug.html` }),
};

const KEY = 0x5a;
const xor = (b: Uint8Array) => b.map((x) => x ^ KEY);
const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

interface FakeArmor {
  messageId: string;
  conversationId: string;
  sender: string;
  senderCard: string;
  /** recipient card -> counter used on that session */
  counters: Record<string, number>;
  body: string;
}

export interface FakeWorld {
  /** identity -> device cards */
  cards: Map<string, string[]>;
  /** Called inside each session step (tests add delays or failures here). */
  onStep?: (cardId: string, counter: number) => Promise<void>;
  /** Every counter handed out per card, in order. */
  used: Map<string, number[]>;
  /** Simulates an engine that does not commit the plaintext with its session step. */
  noCacheWrite?: boolean;
}

export function fakeEngines(world: FakeWorld): Engines {
  let seq = 0;
  return {
    account: {
      async register(env: EngineEnv, input) {
        env.progress({ op: 'account/register', step: 'identityKey', done: 1, total: 3 });
        await env.keystore.put('deviceKeys', 'device', { privateKey: DEVICE_PRIVATE_KEY, identity: input.identity });
        return { identity: input.identity, deviceCardId: SELF_CARD, fingerprint: '1234 5678', createdAt: env.clock.now() };
      },
      async restore(env, input) {
        await env.keystore.put('deviceKeys', 'device', { privateKey: DEVICE_PRIVATE_KEY, identity: input.identity });
        return { identity: input.identity, deviceCardId: SELF_CARD, fingerprint: '1234 5678', createdAt: env.clock.now() };
      },
      logout: async () => undefined,
      devices: async () => [{ cardId: SELF_CARD, identity: 'alice@irc', fingerprint: '1234 5678', createdAt: 0, thisDevice: true }],
      revokeDevice: async () => undefined,
      backupStatus: async (env) => ({ exists: (await env.keystore.get('settings', 'fake-backup')) !== undefined, orgBackup: false }),
      backupCreate: async (env) => env.keystore.put('settings', 'fake-backup', true),
      backupChangePassword: async () => undefined,
    },
    messages: {
      async recipients(_env, conv) {
        return conv.participants
          .filter((p) => p.handle !== conv.selfHandle)
          .map((p) => {
            const identity = `${p.handle}@${conv.namespace}`;
            const cards = world.cards.get(identity) ?? [];
            return {
              identity,
              handle: p.handle,
              state: cards.length ? ('firstSeen' as const) : ('noCard' as const),
              devices: cards.map((cardId) => ({ cardId, identity, fingerprint: cardId.slice(0, 8), createdAt: 0 })),
            };
          });
      },
      async encrypt(env, input) {
        const account = (await env.account())!;
        const counters: Record<string, number> = {};
        for (const card of input.recipientCardIds) {
          counters[card] = await env.sessions.update<{ next: number }, number>('sessions', card, async (state) => {
            const n = state?.next ?? 0;
            await world.onStep?.(card, n);
            return { state: { next: n + 1 }, result: n };
          });
          world.used.set(card, [...(world.used.get(card) ?? []), counters[card]!]);
        }
        const header = {
          messageId: `m${++seq}-${env.clock.now()}`,
          conversationId: input.conversation.conversationId,
          senderIdentity: account.identity,
          senderCardId: account.deviceCardId,
          sentAt: env.clock.now(),
          mode: input.mode,
        };
        const armor: FakeArmor = {
          messageId: header.messageId,
          conversationId: header.conversationId,
          sender: header.senderIdentity,
          senderCard: header.senderCardId,
          counters,
          body: b64(xor(enc(input.plaintext))),
        };
        const text = 'OC1' + b64(enc(JSON.stringify(armor)));
        const parts: string[] = [];
        for (let i = 0; i < text.length; i += input.maxPartLength) parts.push(text.slice(i, i + input.maxPartLength));
        return { messageId: header.messageId, parts, header };
      },
      async decrypt(env, input) {
        let armor: FakeArmor;
        try {
          const text = input.parts.join('');
          if (!text.startsWith('OC1')) throw new Error('x');
          armor = JSON.parse(Buffer.from(text.slice(3), 'base64').toString('utf8'));
        } catch {
          throw new OvercryptError(ErrorCode.Tampered, 'tampered');
        }
        const account = (await env.account())!;
        if (armor.counters[account.deviceCardId] === undefined && armor.sender !== account.identity) {
          throw new OvercryptError(ErrorCode.NotARecipient, 'not for this device');
        }
        const plaintext = new TextDecoder().decode(xor(Buffer.from(armor.body, 'base64')));
        const header = {
          messageId: armor.messageId,
          conversationId: armor.conversationId,
          senderIdentity: armor.sender,
          senderCardId: armor.senderCard,
          sentAt: 0,
          mode: 'forward-secret' as const,
        };
        // Like a ratchet: each message key can be used once; the plaintext is committed with the step.
        return env.sessions.update<{ seen: string[] }, DecryptOutput>('sessions', `recv:${armor.senderCard}`, async (state) => {
          const seen = state?.seen ?? [];
          if (seen.includes(armor.messageId)) throw new OvercryptError(ErrorCode.DuplicateMessage, 'message key already used');
          const out: DecryptOutput = { plaintext, header, senderName: armor.sender, trust: 'firstSeen' };
          return {
            state: { seen: [...seen, armor.messageId] },
            result: out,
            writes: world.noCacheWrite ? [] : [env.cacheWrite(input.digest, { plaintext, header: { ...header, senderName: out.senderName, trust: out.trust } })],
          };
        });
      },
    },
    contacts: {
      list: async () => [],
      setVerified: async (_env, identity, verified) => ({ identity, state: verified ? 'verified' : 'firstSeen', devices: [], firstSeenAt: 0 }),
      safetyNumber: async () => ({ digits: '0'.repeat(60), qrPayload: 'x' }),
    },
    keys: {
      prekeyStatus: async (env) => ({ onServer: 7, target: env.config().prekeyTarget, signedPrekeyCreatedAt: 0 }),
      topUpPrekeys: async (env) => ({ onServer: env.config().prekeyTarget, target: env.config().prekeyTarget, signedPrekeyCreatedAt: 0 }),
      rotateSignedPrekey: async (env) => ({ onServer: 7, target: env.config().prekeyTarget, signedPrekeyCreatedAt: env.clock.now() }),
      fetchMailbox: async () => ({ processed: 0 }),
      refreshCards: async () => [],
    },
  };
}

/** Records pushes; lets tests assert what content scripts were sent. */
export class RecordingNotifier implements Notifier {
  readonly toFrames: Array<{ tabId: number; frameId: number; push: WorkerPush }> = [];
  readonly broadcasts: WorkerPush[] = [];
  async toFrame(tabId: number, frameId: number, push: WorkerPush) {
    this.toFrames.push({ tabId, frameId, push });
  }
  async broadcast(push: WorkerPush) {
    this.broadcasts.push(push);
  }
  readonly pagePushes: PagePush[] = [];
  async toExtensionPages(push: PagePush) {
    this.pagePushes.push(push);
  }
  /** Last toolbar badge per tab. */
  readonly badges = new Map<number, ToolbarBadge>();
  async tabBadge(tabId: number, badge: ToolbarBadge) {
    this.badges.set(tabId, badge);
  }
}

/** scripting.registerContentScripts as a set of hostnames; `refuse` makes the browser reject those hostnames. */
export class FakeSiteScripts implements SiteScriptRegistry {
  readonly registered = new Set<string>();
  readonly refuse = new Set<string>();
  calls = 0;
  readonly injected: string[][] = [];
  async list() {
    return [...this.registered];
  }
  async register(hostnames: string[]) {
    this.calls++;
    if (hostnames.some((h) => this.refuse.has(h) || this.registered.has(h))) throw new Error('Invalid match pattern / duplicate id');
    hostnames.forEach((h) => this.registered.add(h));
  }
  async unregister(hostnames: string[]) {
    this.calls++;
    hostnames.forEach((h) => this.registered.delete(h));
  }
  async injectOpenTabs(hostnames: string[]) {
    this.injected.push(hostnames);
  }
}

export interface TestWorld {
  service: OvercryptService;
  dbName: string;
  clock: FakeClock;
  sessionKeys: InMemorySessionKeyStore;
  ephemeral: InMemoryEphemeralStore;
  notifier: RecordingNotifier;
  world: FakeWorld;
  policy: { value: unknown };
  fetchLog: string[];
  siteScripts: FakeSiteScripts;
  /** Sends a request as `sender`; returns the reply. */
  call(sender: SenderInfo, request: ApiRequest): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>;
  /** Same database and stores, new service object: the worker restarted. */
  restart(opts?: { newBrowserSession?: boolean }): Promise<TestWorld>;
}

export async function makeWorld(prev?: Partial<TestWorld>, options: { cacheLimit?: number } = {}): Promise<TestWorld> {
  const dbName = prev?.dbName ?? uniqueDbName();
  const db = await openStorage({ name: dbName });
  const clock = prev?.clock ?? new FakeClock();
  const sessionKeys = prev?.sessionKeys ?? new InMemorySessionKeyStore();
  const ephemeral = prev?.ephemeral ?? new InMemoryEphemeralStore();
  const notifier = prev?.notifier ?? new RecordingNotifier();
  const world: FakeWorld = prev?.world ?? { cards: new Map([['bob@irc', ['b0'.repeat(32)]]]), used: new Map() };
  const policy = prev?.policy ?? { value: undefined as unknown };
  const fetchLog: string[] = prev?.fetchLog ?? [];
  const siteScripts = prev?.siteScripts ?? new FakeSiteScripts();
  const fetch: FetchLike = async (url) => {
    fetchLog.push(url);
    return new Response(JSON.stringify({ ok: true }), { status: 200 });
  };
  const service = new OvercryptService({
    db,
    sessionKeys,
    ephemeral,
    clock,
    fetch,
    engines: fakeEngines(world),
    policy: { read: async () => policy.value },
    self: { extensionId: EXT_ID, extensionOrigin: EXT },
    notifier,
    siteScripts,
    kdf: { iterations: 1_000 },
    floor: TEST_FLOOR,
    directory: { retries: 0, timeoutMs: 2_000 },
    ...(options.cacheLimit !== undefined ? { cacheLimit: options.cacheLimit } : {}),
  });
  const t: TestWorld = {
    service,
    dbName,
    clock,
    sessionKeys,
    ephemeral,
    notifier,
    world,
    policy,
    fetchLog,
    siteScripts,
    call: (sender, request) => service.handle(request, sender) as Promise<any>,
    restart: async (opts = {}) => {
      db.close();
      return makeWorld(
        {
          dbName,
          clock,
          sessionKeys: opts.newBrowserSession ? new InMemorySessionKeyStore() : sessionKeys,
          ephemeral: opts.newBrowserSession ? new InMemoryEphemeralStore() : ephemeral,
          notifier,
          world,
          policy,
          fetchLog,
          siteScripts,
        },
        options,
      );
    },
  };
  return t;
}

export const PASSPHRASE = 'local passphrase 1';

/** Registers alice, enables the site and encryption in #chan, reports the page context from tab 1. */
export async function registeredWorld(options: { cacheLimit?: number } = {}): Promise<TestWorld> {
  const t = await makeWorld(undefined, options);
  const r = await t.call(senders.tab(), { type: 'account/register', identity: 'alice@irc', password: 'account-password-1', passphrase: PASSPHRASE });
  if (!r.ok) throw new Error(`register failed: ${JSON.stringify(r.error)}`);
  await t.call(senders.popup(), { type: 'sites/toggle', host: HOST, enabled: true });
  await reportContext(t);
  const on = await t.call(senders.cs(), { type: 'page/setEncryption', host: HOST, conversationId: '#chan', on: true });
  if (!on.ok) throw new Error(`setEncryption failed: ${JSON.stringify(on.error)}`);
  return t;
}

export async function reportContext(t: TestWorld, tab = 1, participants = ['alice', 'bob']) {
  return t.call(senders.cs(tab), {
    type: 'page/context',
    context: {
      host: HOST,
      adapterId: 'thelounge',
      namespace: 'irc',
      selfHandle: 'alice',
      conversation: { id: '#chan', kind: 'channel' },
      participants: participants.map((handle) => ({ handle })),
      maxMessageLength: 200,
    },
  });
}

/** Opens a compose job from tab `tab`'s content script and claims it from a compose frame in the same tab. */
export async function openCompose(t: TestWorld, tab = 1, frame = 5) {
  const opened = await t.call(senders.cs(tab), { type: 'compose/open', host: HOST, conversationId: '#chan' });
  if (!opened.ok) throw new Error(`compose/open: ${JSON.stringify(opened.error)}`);
  const claimed = await t.call(senders.compose(tab, frame), { type: 'compose/claim', handle: opened.value.handle });
  if (!claimed.ok) throw new Error(`compose/claim: ${JSON.stringify(claimed.error)}`);
  return { jobId: opened.value.jobId as string, job: claimed.value };
}

/** Bob's message to alice in the fake engine's format (decrypts for alice's device). */
export function bobsArmor(id = 'bob-1', text = 'hi alice', conversationId = '#chan'): string[] {
  const body = Buffer.from(new TextEncoder().encode(text).map((x) => x ^ KEY)).toString('base64');
  const armor: FakeArmor = { messageId: id, conversationId, sender: 'bob@irc', senderCard: 'b0'.repeat(32), counters: { [SELF_CARD]: 0 }, body };
  return ['OC1' + b64(enc(JSON.stringify(armor)))];
}

export interface RegionWhere {
  host?: string;
  conversationId?: string;
  /** The page's author claim for every item (or per item: `authors`). */
  pageAuthor?: string;
  authors?: Array<string | undefined>;
  tab?: number;
}

/** armor/found for a region of `messages` (each its parts) from the content script of `where.tab`. */
export function armorFound(t: TestWorld, messages: string[][], where: RegionWhere = {}) {
  const items = messages.map((parts, i) => {
    const author = where.authors ? where.authors[i] : where.pageAuthor;
    return { parts, heightPx: 40 + i, ...(author !== undefined ? { pageAuthor: author } : {}) };
  });
  return t.call(senders.cs(where.tab ?? 1), {
    type: 'armor/found',
    host: where.host ?? HOST,
    ...(where.conversationId !== undefined ? { conversationId: where.conversationId } : {}),
    items,
  });
}

/** The handle of a new region (throws if armor/found failed). */
export async function regionHandle(t: TestWorld, messages: string[][], where: RegionWhere = {}): Promise<string> {
  const r = await armorFound(t, messages, where);
  if (!r.ok) throw new Error(`armor/found: ${JSON.stringify(r.error)}`);
  return r.value.handle as string;
}

/** display/open from `frame`; returns the region (throws if refused). */
export async function openRegion(t: TestWorld, handle: string, frame: SenderInfo = senders.display()) {
  const r = await t.call(frame, { type: 'display/open', handle });
  if (!r.ok) throw new Error(`display/open: ${JSON.stringify(r.error)}`);
  return r.value as { jobId: string; heightsPx: number[]; gate: string; securityPattern?: string };
}

/** display/fetch of `indices` (default all) from `frame`: the raw reply. */
export function fetchItems(t: TestWorld, jobId: string, indices: number[], frame: SenderInfo = senders.display(), reveal?: boolean) {
  return t.call(frame, { type: 'display/fetch', jobId, indices, ...(reveal !== undefined ? { reveal } : {}) });
}

/** armor/found + display/open + display/fetch of every item, as the content script and our frame do. */
export async function showRegion(t: TestWorld, messages: string[][], where: RegionWhere = {}, frame: SenderInfo = senders.display(where.tab ?? 1)) {
  const region = await openRegion(t, await regionHandle(t, messages, where), frame);
  const r = await fetchItems(t, region.jobId, messages.map((_, i) => i), frame);
  if (!r.ok) throw new Error(`display/fetch: ${JSON.stringify(r.error)}`);
  return r.value.items as any[];
}

/** One message as a region of one: its DisplayItem. */
export async function showOne(t: TestWorld, parts: string[], where: RegionWhere = {}, frame?: SenderInfo) {
  return (await showRegion(t, [parts], where, frame))[0];
}
