/**
 * The background service: one object per worker start that answers every API request.
 *
 *   const service = new OvercryptService({ db, sessionKeys, ephemeral, clock, fetch, engines, policy, self });
 *   runtime.onMessage -> service.handle(message.request, sender)   // -> ApiReply, never throws
 *   alarms.onAlarm     -> service.onAlarm(alarm.name)
 *   storage.onChanged (managed) -> service.onPolicyChanged()
 *
 * Every request: classify the sender (senders.ts) -> validate (api/validate.ts) -> privilege table
 * (privileges.ts) -> wake (resume the vault from the session store, enforce auto-lock) -> registered / locked
 * checks -> user activity -> handler. Errors leave as `{code, message}`.
 */
import { API_TAG, type ApiReply, type ApiRequest, type FoundArmor, type PagePush, type RequestOf, type RequestType, type ResponseOf, type WorkerPush } from '../api/messages';
import { audienceCounts } from '../api/audience';
import { toolbarBadge, type ToolbarBadge } from './toolbar';
import type { ComposeJob, DisplayItem, DisplayRegion, PageContext, PageStatus, PageWarning, RecipientView, Status, TabStatus, UserSettings } from '../api/views';
import { toWireError } from '../api/errors';
import { parseRequest } from '../api/validate';
import { DirectoryClient, type FetchLike, type OutboxStore, type QueuedRequest, type Credentials } from '../directory/client';
import { ErrorCode, OvercryptError, isError } from '../errors';
import {
  applyUserPatch,
  conversationKey,
  effectiveConfig,
  isEncryptionOn,
  lockedReasons,
  parseManagedPolicy,
  siteOf,
  type Effective,
  type EffectiveConfig,
  type ManagedPolicy,
} from '../policy';
import type { OvercryptDB } from '../storage/db';
import { Keystore } from '../storage/keystore';
import { ciphertextDigest, MessageCache } from '../storage/message-cache';
import { MetaStore } from '../storage/meta';
import { SEALED_STORES } from '../storage/schema';
import { Vault, type Clock, type SessionKeyStore, type VaultHeader, type VaultOptions } from '../vault/vault';
import type { KdfFloor } from '../vault/kdf';
import { fetchRegionItems, openRegionItems, type RegionDisplayDeps } from './display';
import { Prefetcher } from './prefetch';
import { SpareFrames } from './spares';
import type { AccountRecord, ConversationRef, DecryptInput, DecryptResult, EngineEnv, Engines, SessionAccess, SessionKind, SessionStep } from './engines';
import type { EphemeralStore } from './ephemeral';
import { JobRegistry, type DisplayJob } from './jobs';
import { runMaintenance, type MaintenanceReport } from './maintenance';
import { countsAsActivity, PRIVILEGES } from './privileges';
import { classifySender, type Caller, type SelfIdentity, type SenderInfo } from './senders';
import { SerialQueues } from './serial-queues';
import { ViewFirst } from './view-first';
import { siteSpecsForHost } from './site-specs';
import { siteScriptHostnames, syncSiteScripts, type SiteScriptRegistry, type SiteScriptSync } from './site-scripts';

/** Reads the managed policy (chrome.storage.managed.get in the worker). */
export interface PolicySource {
  read(): Promise<unknown>;
}

/** Pushes from the worker. Never carries plaintext. */
export interface Notifier {
  /** One content script (tabs.sendMessage with frameId). */
  toFrame(tabId: number, frameId: number, push: WorkerPush): Promise<void>;
  /** Every content script and extension page (status and settings changes). */
  broadcast(push: WorkerPush): Promise<void>;
  /** Extension pages only (runtime.sendMessage): progress of long operations. */
  toExtensionPages(push: PagePush): Promise<void>;
  /** The vault locked or unlocked (toolbar icon; see toolbarIcon). Optional: tests and headless builds skip it. */
  lockState?(locked: boolean): Promise<void>;
  /** One tab's toolbar badge (lib/service/toolbar.ts). Optional like lockState. */
  tabBadge?(tabId: number, badge: ToolbarBadge): Promise<void>;
}

/** Toolbar icon paths (public/icon) for a lock state. */
export function toolbarIcon(locked: boolean): Record<'16' | '32' | '48', string> {
  const kind = locked ? 'locked' : 'unlocked';
  return { '16': `icon/${kind}-16.png`, '32': `icon/${kind}-32.png`, '48': `icon/${kind}-48.png` };
}

export interface ServiceDeps {
  db: OvercryptDB;
  sessionKeys: SessionKeyStore;
  ephemeral: EphemeralStore;
  clock: Clock;
  fetch: FetchLike;
  engines: Engines;
  policy: PolicySource;
  self: SelfIdentity;
  notifier?: Notifier;
  /** Registers our content script on enabled sites beyond the manifest's loopback matches (site-scripts.ts). */
  siteScripts?: SiteScriptRegistry;
  /** KDF for new vaults and the floor for stored parameters (tests lower both; production uses the defaults). */
  kdf?: VaultOptions['kdf'];
  floor?: KdfFloor;
  cacheLimit?: number;
  /** How long a request may wait for the managed policy at start (default 1 s). */
  policyWaitMs?: number;
  directory?: { timeoutMs?: number; retries?: number; sleep?: (ms: number) => Promise<void> };
  /** Test builds: marks a step of background work (the benches read when it happened). */
  trace?(name: string): void;
}

type Handlers = { [K in RequestType]: (req: RequestOf<K>, caller: Caller) => Promise<ResponseOf<K>> };

/** Non-secret settings readable before unlock (so the locked status and auto-lock use the user's values). */
interface PublicSettings {
  directoryUrl?: string;
  autoLockMinutes?: number;
}

const ACCOUNT_KEY = 'account';
const CREDENTIALS_KEY = 'credentials';
const USER_SETTINGS_KEY = 'user';
const DEFAULT_PART_LENGTH = 300;
/** Digests remembered as committed by a session step (see takeCommitted); more means something never asked. */
const MAX_COMMITTED_DIGESTS = 10_000;
/** How long a request may wait for the managed policy (see loadPolicy). */
const POLICY_WAIT_MS = 1_000;

/** Longest a region's prefetch of what is on screen holds background work back for its frame's fetch (ms). */
const HOLD_FOR_FRAME_MS = 1_000;

/** Indices of the items the content script saw on screen. */
function inViewIndices(items: readonly FoundArmor[]): number[] {
  return items.flatMap((item, i) => (item.inView ? [i] : []));
}

export class OvercryptService {
  readonly vault: Vault;
  readonly keystore: Keystore;
  readonly cache: MessageCache;
  readonly directory: DirectoryClient;
  readonly queues = new SerialQueues();
  /** display/fetch for items in view before background ones (view-first.ts). */
  private readonly viewFirst = new ViewFirst();
  /** Regions whose frame got its first answer for items on screen (noteShown). */
  private readonly shownRegions = new Set<string>();
  /** Display frames loaded ahead, waiting for their region (spares.ts). */
  private readonly spares = new SpareFrames();
  /** Mailbox and regions opened ahead of the display frames (prefetch.ts). */
  private readonly prefetch = new Prefetcher({
    now: () => this.deps.clock.now(),
    fetchMailbox: () => this.engineCall((e, env) => e.keys.fetchMailbox(env)),
    schedule: (background, task) => this.viewFirst.run(background, task),
    holdView: () => this.viewFirst.hold(HOLD_FOR_FRAME_MS),
    trace: (name) => this.deps.trace?.(name),
  });
  readonly jobs: JobRegistry;
  readonly env: EngineEnv;
  private readonly meta: MetaStore;
  private policy: ManagedPolicy = {};
  private user: UserSettings = {};
  private publicSettings: PublicSettings = {};
  private effective: Effective;
  private ready: Promise<void> | undefined;
  /** Message-cache digests an engine's session step just committed (so display does not write them again). */
  private readonly committedToCache = new Set<string>();
  /** Each participant's trust state and devices as last listed (noticeTrustChanges). */
  private readonly trustSeen = new Map<string, string>();

  constructor(private readonly deps: ServiceDeps) {
    this.meta = new MetaStore(deps.db);
    this.vault = new Vault({
      header: this.meta.vaultHeader<VaultHeader>(),
      session: deps.sessionKeys,
      clock: deps.clock,
      kdf: deps.kdf,
      floor: deps.floor,
    });
    this.keystore = new Keystore(deps.db, this.vault);
    this.cache = new MessageCache(deps.db, this.vault, deps.clock, deps.cacheLimit);
    this.jobs = new JobRegistry(deps.ephemeral, deps.clock);
    this.effective = effectiveConfig({}, {});
    this.directory = new DirectoryClient({
      baseUrl: () => this.effective.config.directoryUrl,
      fetch: deps.fetch,
      clock: deps.clock,
      credentials: () => this.credentials(),
      outbox: this.outboxStore(),
      ...deps.directory,
    });
    this.vault.onLock(() => {
      this.showLockState(true);
      this.user = {};
      this.recompute();
      this.directory.forgetSession();
    });
    this.env = {
      keystore: this.keystore,
      sessions: this.sessionAccess(),
      directory: this.directory,
      config: () => this.effective.config,
      clock: deps.clock,
      account: () => this.account(),
      blindKey: (label) => this.vault.blindKey(label),
      cacheWrite: (digest, message) => ({
        store: 'messageCache',
        key: digest,
        value: { plaintext: message.plaintext, header: message.header, direction: 'received' },
        lastUsed: deps.clock.now(),
      }),
      progress: (event) => {
        void this.deps.notifier?.toExtensionPages({ tag: API_TAG, push: 'progress', ...event }).catch(() => undefined);
      },
    };
  }

  /** The one entry point for runtime messages. Never throws. */
  async handle(rawRequest: unknown, sender: SenderInfo): Promise<ApiReply> {
    try {
      const caller = classifySender(sender, this.deps.self);
      if (!caller) throw new OvercryptError(ErrorCode.Forbidden, 'unknown sender');
      const request = parseRequest(rawRequest);
      const privilege = PRIVILEGES[request.type];
      if (!privilege.who.includes(caller.kind)) {
        throw new OvercryptError(ErrorCode.Forbidden, `${request.type} is not available to ${caller.kind}`);
      }
      await this.wake();
      if (!privilege.beforeRegistration && !(await this.isRegistered())) {
        throw new OvercryptError(ErrorCode.NotRegistered, 'Overcrypt is not set up on this browser yet');
      }
      if (!privilege.whileLocked && !this.vault.isUnlocked()) {
        throw new OvercryptError(ErrorCode.Locked, 'Overcrypt is locked');
      }
      if (countsAsActivity(request.type, caller.kind) && !isRecipientsReread(request)) await this.vault.touch();
      const handler = this.handlers[request.type] as (req: unknown, caller: Caller) => Promise<unknown>;
      return { ok: true, value: (await handler(request, caller)) as never };
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  }

  /**
   * Called on every wake (first request, alarm, event): once per worker start loads policy and resumes the vault
   * from the session store; every time enforces auto-lock.
   */
  async wake(): Promise<void> {
    this.ready ??= this.start().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    if (!this.vault.isUnlocked()) return;
    if (await this.vault.checkIdle(this.effective.config.autoLockMinutes)) await this.announceLock();
  }

  /** The alarm handler: auto-lock check, then maintenance when unlocked. */
  async onAlarm(_name: string): Promise<MaintenanceReport> {
    await this.wake();
    return runMaintenance(this);
  }

  /** tabs.onRemoved: drop what the tab reported. */
  async onTabClosed(tabId: number): Promise<void> {
    this.spares.forgetTab(tabId);
    await this.jobs.forgetTab(tabId);
  }

  /** storage.onChanged area "managed": re-read the policy; it applies at once. */
  async onPolicyChanged(): Promise<void> {
    await this.loadPolicy(60_000);
    this.recompute();
    await this.syncSiteScripts();
    await this.notify({ tag: API_TAG, push: 'settings/changed' });
  }

  /**
   * Registers the content script for every enabled site and drops registrations of sites no longer enabled.
   * While locked (and set up) the user's own sites are sealed: then it only adds (policy sites). Never throws.
   */
  async syncSiteScripts(): Promise<SiteScriptSync | undefined> {
    const registry = this.deps.siteScripts;
    if (!registry) return undefined;
    return this.queues
      .run('site-scripts', async () => {
        const prune = this.vault.isUnlocked() || !(await this.isRegistered());
        return syncSiteScripts(registry, siteScriptHostnames(this.effective.config.sites), prune);
      })
      .catch(() => undefined); // the browser refused: the next change or worker start tries again
  }

  async isRegistered(): Promise<boolean> {
    return (await this.meta.get<boolean>('registered')) === true;
  }

  config(): EffectiveConfig {
    return this.effective.config;
  }

  /** Runs an engine call with the service's environment (maintenance tasks use it). */
  engineCall<T>(call: (engines: Engines, env: EngineEnv) => Promise<T>): Promise<T> {
    return call(this.deps.engines, this.env);
  }

  get ephemeralStore(): EphemeralStore {
    return this.deps.ephemeral;
  }

  async account(): Promise<AccountRecord | undefined> {
    if (!this.vault.isUnlocked()) return undefined;
    return this.keystore.get<AccountRecord>('settings', ACCOUNT_KEY);
  }

  // ---------------------------------------------------------------- start-up and config

  private async start(): Promise<void> {
    this.publicSettings = (await this.meta.get<PublicSettings>('public')) ?? {};
    await this.loadPolicy();
    this.recompute();
    // Resume with the last known limit; checkIdle re-checks once user settings are readable.
    await this.vault.resume(this.effective.config.autoLockMinutes);
    this.showLockState(!this.vault.isUnlocked());
    if (this.vault.isUnlocked()) await this.loadUserSettings();
    void this.syncSiteScripts(); // self-healing; not awaited so the first request is not delayed
  }

  /**
   * Chrome's first managed-storage read after a browser start can block for seconds. Wait at most
   * POLICY_WAIT_MS, meanwhile use the last policy seen in this browser session, and apply the real one (with a
   * settings/changed push) when it arrives.
   */
  private async loadPolicy(waitMs = this.deps.policyWaitMs ?? POLICY_WAIT_MS): Promise<void> {
    const reading = this.deps.policy.read().then(
      (raw) => parseManagedPolicy(raw).policy,
      () => ({}) as ManagedPolicy, // no managed storage (not policy-installed): no policy
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), waitMs)));
    const policy = await Promise.race([reading, timeout]);
    clearTimeout(timer);
    if (policy) {
      await this.applyPolicy(policy);
      return;
    }
    this.policy = (await this.deps.ephemeral.get<ManagedPolicy>('policy')) ?? {};
    void reading.then(async (late) => {
      await this.applyPolicy(late);
      this.recompute();
      await this.syncSiteScripts();
      await this.notify({ tag: API_TAG, push: 'settings/changed' });
    });
  }

  private async applyPolicy(policy: ManagedPolicy): Promise<void> {
    this.policy = policy;
    await this.deps.ephemeral.set('policy', policy);
  }

  private async loadUserSettings(): Promise<void> {
    this.user = (await this.keystore.get<UserSettings>('settings', USER_SETTINGS_KEY)) ?? {};
    this.recompute();
  }

  private recompute(): void {
    // Before unlock the encrypted user settings are unknown: fall back to their public mirror.
    const user = this.vault.isUnlocked() ? this.user : { ...this.publicSettings };
    this.effective = effectiveConfig(user, this.policy);
  }

  private async saveUserSettings(next: UserSettings): Promise<void> {
    await this.keystore.put('settings', USER_SETTINGS_KEY, next);
    this.publicSettings = { directoryUrl: next.directoryUrl, autoLockMinutes: next.autoLockMinutes };
    await this.meta.put('public', this.publicSettings);
    this.user = next;
    this.recompute();
  }

  private async credentials(): Promise<Credentials | undefined> {
    if (!this.vault.isUnlocked()) return undefined;
    return this.keystore.get<Credentials>('settings', CREDENTIALS_KEY);
  }

  // ---------------------------------------------------------------- seams for engines

  private sessionAccess(): SessionAccess {
    return {
      update: <S, R>(kind: SessionKind, id: string, step: (state: S | undefined) => Promise<SessionStep<S, R>>) =>
        this.queues.run(`${kind}:${id}`, async () => {
          const key = await this.sessionKey(kind, id);
          const state = await this.keystore.get<S>(kind, key);
          const out = await step(state);
          // Durable before anyone sees the result: a worker killed after this line loses nothing, before it
          // the result was never released.
          await this.keystore.commit([{ store: kind, key, value: out.state }, ...(out.writes ?? [])]);
          for (const w of out.writes ?? []) if (w.store === 'messageCache') this.noteCommitted(w.key);
          return out.result;
        }),
      read: async <S>(kind: SessionKind, id: string) => this.keystore.get<S>(kind, await this.sessionKey(kind, id)),
    };
  }

  /** Session ids name peers (card ids): blinded at rest so the database does not list who the user talks to. */
  private sessionKey(kind: SessionKind, id: string): Promise<string> {
    return this.vault.blindKey(`${kind}\0${id}`);
  }

  private outboxStore(): OutboxStore {
    return {
      list: async () =>
        (await this.keystore.all<QueuedRequest>('outbox')).map((r) => r.value).sort((a, b) => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1)),
      add: (item) => this.keystore.put('outbox', item.id, item),
      remove: (id) => this.keystore.delete('outbox', id),
    };
  }

  // ---------------------------------------------------------------- helpers

  private async status(): Promise<Status> {
    const account = await this.account();
    const c = this.directory.connectivity();
    return {
      registered: await this.isRegistered(),
      locked: !this.vault.isUnlocked(),
      identity: account?.identity,
      deviceCardId: account?.deviceCardId,
      fingerprint: account?.fingerprint,
      directory: { url: this.effective.config.directoryUrl, online: c.online, queued: c.queued, lastError: c.lastError },
      autoLockMinutes: this.effective.config.autoLockMinutes,
    };
  }

  /**
   * The toolbar badge of the caller's tab follows what its top frame's content script was last told (content
   * scripts re-read the status on every status push, so lock, unlock and trust changes reach it too). Never throws,
   * never waits.
   */
  private showOnToolbar(caller: Caller, status: PageStatus, ctx: PageContext | undefined): PageStatus {
    if (caller.tabId !== undefined && (caller.frameId ?? 0) === 0) {
      const badge = toolbarBadge(status, ctx?.conversation?.title ?? ctx?.conversation?.id);
      void this.deps.notifier?.tabBadge?.(caller.tabId, badge).catch(() => undefined);
    }
    return status;
  }

  /** Never throws, never waits: the icon is a hint, the status request is the truth. */
  private showLockState(locked: boolean): void {
    void this.deps.notifier?.lockState?.(locked).catch(() => undefined);
  }

  private async announceLock(): Promise<void> {
    await this.notify({ tag: API_TAG, push: 'status/changed', locked: true });
  }

  private async notify(push: WorkerPush): Promise<void> {
    try {
      await this.deps.notifier?.broadcast(push);
    } catch {
      // Tabs without our content script reject; status is also pulled, so a missed push is harmless.
    }
  }

  private contextKey(caller: Caller): string {
    return `ctx:${caller.tabId}:${caller.frameId ?? 0}`;
  }

  private async pageContext(caller: Caller): Promise<PageContext | undefined> {
    return this.deps.ephemeral.get<PageContext>(this.contextKey(caller));
  }

  /** The caller's own page context (content script), else the last one reported for the conversation. */
  private async contextFor(caller: Caller, host: string, conversationId: string | undefined): Promise<PageContext | undefined> {
    const own = caller.kind === 'contentScript' ? await this.pageContext(caller) : undefined;
    if (own) return own.host === host.toLowerCase() ? own : undefined;
    if (conversationId === undefined) return undefined;
    return this.deps.ephemeral.get<PageContext>(`lastctx:${conversationKey(host, conversationId)}`);
  }

  private conversationRef(ctx: PageContext, conversationId: string): ConversationRef {
    return {
      host: ctx.host.toLowerCase(),
      namespace: ctx.namespace,
      conversationId,
      kind: ctx.conversation?.id === conversationId ? ctx.conversation.kind : 'unknown',
      title: ctx.conversation?.id === conversationId ? ctx.conversation.title : undefined,
      selfHandle: ctx.selfHandle,
      participants: ctx.participants,
    };
  }

  /** Blinded: the record key must not name the conversation in the clear. */
  private rosterKey(host: string, conversationId: string): Promise<string> {
    return this.vault.blindKey(`roster\0${conversationKey(host, conversationId)}`);
  }

  /** Recipients with `approved` set from this conversation's roster (devices the user clicked through). */
  private async recipients(conv: ConversationRef): Promise<RecipientView[]> {
    const roster = new Set((await this.keystore.get<string[]>('groups', await this.rosterKey(conv.host, conv.conversationId))) ?? []);
    const list = await this.deps.engines.messages.recipients(this.env, conv);
    this.noticeTrustChanges(list);
    return list.map((r) => ({ ...r, devices: r.devices.map((d) => ({ ...d, approved: d.thisDevice === true || roster.has(d.cardId) })) }));
  }

  /**
   * A participant's trust or devices changed since this worker last listed them (a directory lookup found a key
   * change or a new device; someone got a key): the status chips and compose frames showing them re-read (push).
   * Per identity, not per page, so two tabs with different participant lists do not set each other off.
   */
  private noticeTrustChanges(list: RecipientView[]): void {
    let changed = false;
    if (this.trustSeen.size > 10_000) this.trustSeen.clear(); // bound; forgetting only skips one push
    for (const r of list) {
      const who = r.identity || `handle:${r.handle}`;
      const seen = `${r.state}:${r.devices.map((d) => d.cardId).sort().join(',')}`;
      const before = this.trustSeen.get(who);
      this.trustSeen.set(who, seen);
      if (before !== undefined && before !== seen) changed = true;
    }
    if (changed) void this.notify({ tag: API_TAG, push: 'status/changed', locked: !this.vault.isUnlocked() });
  }

  private async pageStatus(host: string, conversationId: string | undefined, ctx: PageContext | undefined): Promise<PageStatus> {
    const config = this.effective.config;
    const site = siteOf(config, host);
    const locked = !this.vault.isUnlocked();
    const status: PageStatus = {
      siteEnabled: site?.enabled ?? false,
      siteLocked: this.effective.locked.includes(`sites.${host.toLowerCase()}`),
      mode: site?.mode ?? 'forward-secret',
      modeLocked: this.effective.locked.includes(`sites.${host.toLowerCase()}.mode`),
      encryptionOn: conversationId !== undefined && isEncryptionOn(config, host, conversationId),
      locked,
      registered: await this.isRegistered(),
      warnings: [],
    };
    const adapters = siteSpecsForHost(config.extraSiteAdapters, host);
    if (adapters.length > 0) status.extraSiteAdapters = adapters;
    if (locked || !status.encryptionOn || !ctx || conversationId === undefined || !status.registered) return status;
    try {
      const recipients = await this.recipients(this.conversationRef(ctx, conversationId));
      const { people, devices } = audienceCounts(recipients);
      status.recipients = { people, devices };
      status.warnings = recipientWarnings(recipients);
    } catch (e) {
      if (!isError(e, ErrorCode.Network)) throw e; // offline: status without recipients
    }
    return status;
  }

  /** A display frame claims the region of `handle` (display/open, or a spare given it by display/await). */
  private async claimRegion(handle: string, caller: Caller): Promise<DisplayRegion> {
    const job = await this.jobs.claimDisplay(handle, caller);
    // Locked before the enabled check: the user's sites are in the sealed settings.
    const gate = !this.vault.isUnlocked() ? 'locked' : siteOf(this.effective.config, job.host)?.enabled === true ? 'ready' : 'clickToDecrypt';
    const region: DisplayRegion = { jobId: job.jobId, heightsPx: job.items.map((i) => i.heightPx), gate };
    const inView = inViewIndices(job.items);
    if (inView.length > 0) region.inView = inView;
    const securityPattern = this.effective.config.securityPattern;
    return securityPattern === undefined ? region : { ...region, securityPattern };
  }

  /**
   * A frame's first answer for items on screen: background prefetch may go on, and the content script (which holds
   * other frames back until then) is told, once per region.
   */
  private noteShown(job: DisplayJob): void {
    this.prefetch.shown(job.handle);
    if (this.shownRegions.has(job.handle)) return;
    if (this.shownRegions.size >= 10_000) this.shownRegions.clear(); // bound; forgetting costs one more push
    this.shownRegions.add(job.handle);
    void this.deps.notifier?.toFrame(job.opener.tabId, job.opener.frameId, { tag: API_TAG, push: 'display/shown', handle: job.handle }).catch(() => undefined);
  }

  /** Decrypting ahead of the frames only where they will decrypt without a click, and only while unlocked. */
  private canPrefetch(host: string): boolean {
    return this.vault.isUnlocked() && siteOf(this.effective.config, host)?.enabled === true;
  }

  private prefetchMailboxFor(host: string): void {
    if (this.canPrefetch(host)) this.prefetch.mailboxSoon();
  }

  /** What display/fetch needs from the service (lib/service/display.ts). */
  private regionDeps(): RegionDisplayDeps {
    return {
      cache: {
        get: (digest) => this.cache.get(digest),
        getMany: (digests) => this.cache.getMany(digests),
        put: (digest, message) => this.cache.put(digest, message),
      },
      ephemeral: this.deps.ephemeral,
      // New messages may need a sender key the mailbox fetch in flight is bringing (prefetch.ts); cached ones never wait.
      decrypt: async (inputs) => {
        await this.prefetch.mailboxSettled();
        return this.decryptMany(inputs);
      },
      takeCommitted: (digest) => this.committedToCache.delete(digest),
      trimCache: async () => {
        await this.cache.trim();
      },
      account: () => this.account(),
      contacts: () => this.deps.engines.contacts.list(this.env),
      serialise: (key, task) => this.queues.run(key, task),
    };
  }

  private async decryptMany(inputs: DecryptInput[]): Promise<DecryptResult[]> {
    const engine = this.deps.engines.messages;
    if (engine.decryptBatch) return engine.decryptBatch(this.env, inputs);
    const results: DecryptResult[] = [];
    for (const input of inputs) {
      try {
        results.push({ ok: true, out: await engine.decrypt(this.env, input) });
      } catch (error) {
        if (isError(error, ErrorCode.Locked)) throw error;
        results.push({ ok: false, error });
      }
    }
    return results;
  }

  private noteCommitted(digest: string): void {
    if (this.committedToCache.size >= MAX_COMMITTED_DIGESTS) this.committedToCache.clear(); // only costs a second write
    this.committedToCache.add(digest);
  }

  private async wipe(): Promise<void> {
    await this.keystore.clear(SEALED_STORES);
    await this.cache.clear();
    await this.deps.db.clear('meta');
    await this.deps.ephemeral.clear();
    await this.vault.lock();
    this.publicSettings = {};
    this.user = {};
    this.recompute();
  }

  /** Register and restore share everything but the engine call. */
  private async setUp(
    req: { directoryUrl?: string; identity: string; password: string; passphrase: string; securityPattern?: string },
    create: () => Promise<AccountRecord>,
  ) {
    if (await this.isRegistered()) throw new OvercryptError(ErrorCode.Conflict, 'already set up; log out first');
    if (await this.vault.isInitialised()) await this.vault.unlock(req.passphrase);
    else await this.vault.create(req.passphrase);
    this.showLockState(false);
    await this.loadUserSettings();
    const patch: UserSettings = { securityPattern: req.securityPattern };
    if (req.directoryUrl !== undefined && !this.effective.locked.includes('directoryUrl')) patch.directoryUrl = req.directoryUrl;
    await this.saveUserSettings(applyUserPatch(this.user, stripUndefined(patch), []));
    await this.keystore.put('settings', CREDENTIALS_KEY, { identity: req.identity, password: req.password } satisfies Credentials);
    this.directory.forgetSession();
    const account = await create();
    await this.keystore.put('settings', ACCOUNT_KEY, account);
    await this.meta.put('registered', true);
    return { identity: account.identity, deviceCardId: account.deviceCardId, fingerprint: account.fingerprint };
  }

  // ---------------------------------------------------------------- handlers

  private readonly handlers: Handlers = {
    'status/get': () => this.status(),

    'vault/unlock': async (req) => {
      await this.vault.unlock(req.passphrase);
      this.showLockState(false);
      await this.loadUserSettings();
      await this.syncSiteScripts();
      await this.notify({ tag: API_TAG, push: 'status/changed', locked: false });
      return this.status();
    },
    'vault/lock': async () => {
      await this.vault.lock();
      await this.announceLock();
      return this.status();
    },
    'vault/changePassphrase': async (req) => {
      await this.vault.changePassphrase(req.oldPassphrase, req.newPassphrase);
      return this.status();
    },

    'account/register': (req) =>
      this.setUp(req, () => this.deps.engines.account.register(this.env, { identity: req.identity, password: req.password, invite: req.invite })),
    'account/restore': (req) =>
      this.setUp(req, () =>
        this.deps.engines.account.restore(this.env, { identity: req.identity, password: req.password, backupPassword: req.backupPassword }),
      ),
    'account/logout': async (req) => {
      const registered = await this.isRegistered();
      if (registered && !this.vault.isUnlocked()) {
        // A forgotten passphrase must not trap the user: a local wipe is allowed, explicitly, without revoking.
        if (req.revokeCard || !req.confirmWithoutBackup) throw new OvercryptError(ErrorCode.Locked, 'unlock first, or confirm a local wipe');
      } else if (registered) {
        if (!req.confirmWithoutBackup && !(await this.deps.engines.account.backupStatus(this.env)).exists) {
          throw new OvercryptError(ErrorCode.Conflict, 'no backup exists: old messages will become unreadable; confirm to continue');
        }
        await this.deps.engines.account.logout(this.env, { revokeCard: req.revokeCard });
      }
      await this.wipe();
      await this.syncSiteScripts(); // the user's sites are gone with the settings
      await this.announceLock();
      return { wiped: true as const };
    },

    'directory/check': async (req) => {
      const probe = new DirectoryClient({
        baseUrl: req.url,
        fetch: this.deps.fetch,
        clock: this.deps.clock,
        credentials: async () => undefined,
        retries: 0,
        timeoutMs: 5_000,
      });
      const started = this.deps.clock.now();
      try {
        const health = await probe.health();
        if (health?.ok !== true) return { reachable: false, error: { code: ErrorCode.Malformed, message: 'not an Overcrypt directory' } };
        return { reachable: true, latencyMs: Math.max(0, this.deps.clock.now() - started) };
      } catch (e) {
        return { reachable: false, error: toWireError(e) };
      }
    },
    'page/context': async (req, caller) => {
      const ctx = { ...req.context, host: req.context.host.toLowerCase() };
      await this.deps.ephemeral.set(this.contextKey(caller), ctx);
      // The popup has no page context of its own: it reads the last one reported for the conversation.
      if (ctx.conversation) await this.deps.ephemeral.set(`lastctx:${conversationKey(ctx.host, ctx.conversation.id)}`, ctx);
      return this.showOnToolbar(caller, await this.pageStatus(ctx.host, ctx.conversation?.id, ctx), ctx);
    },
    'page/status': async (req, caller) => {
      this.prefetchMailboxFor(req.host);
      const ctx = await this.contextFor(caller, req.host, req.conversationId);
      return this.showOnToolbar(caller, await this.pageStatus(req.host, req.conversationId, ctx), ctx);
    },
    'tab/status': async (req): Promise<TabStatus | null> => {
      // The top frame's report: that is where the site adapter runs.
      const ctx = await this.deps.ephemeral.get<PageContext>(`ctx:${req.tabId}:0`);
      if (!ctx) return null;
      const conversationId = ctx.conversation?.id;
      const status = await this.pageStatus(ctx.host, conversationId, ctx);
      const { extraSiteAdapters, ...rest } = status;
      void extraSiteAdapters; // for content scripts only
      return {
        ...rest,
        host: ctx.host,
        adapterId: ctx.adapterId,
        ...(conversationId !== undefined ? { conversationId } : {}),
        ...(ctx.conversation?.title !== undefined ? { conversationTitle: ctx.conversation.title } : {}),
      };
    },
    'page/setEncryption': async (req, caller) => {
      const site = siteOf(this.effective.config, req.host);
      if (!site?.enabled) throw new OvercryptError(ErrorCode.Forbidden, 'Overcrypt is not enabled on this site');
      if (!req.on && this.effective.config.forcedModes[req.host.toLowerCase()] !== undefined) {
        throw new OvercryptError(ErrorCode.Forbidden, 'encryption on this site is required by your organisation');
      }
      await this.saveUserSettings(
        applyUserPatch(this.user, { conversations: { [conversationKey(req.host, req.conversationId)]: req.on } }, this.effective.locked),
      );
      const ctx = await this.contextFor(caller, req.host, req.conversationId);
      return this.showOnToolbar(caller, await this.pageStatus(req.host, req.conversationId, ctx), ctx);
    },
    'armor/found': async (req, caller) => {
      const handle = await this.jobs.openDisplay({
        opener: { tabId: caller.tabId!, frameId: caller.frameId ?? 0 },
        host: req.host.toLowerCase(),
        conversationId: req.conversationId,
        items: req.items,
      });
      if (this.canPrefetch(req.host)) {
        const region = { host: req.host.toLowerCase(), items: req.items };
        const inView = new Set(inViewIndices(req.items));
        this.prefetch.region(handle, req.items.length, inView, (indices) => openRegionItems(this.regionDeps(), region, indices));
      }
      return { handle };
    },
    'compose/open': async (req, caller) => {
      const site = siteOf(this.effective.config, req.host);
      if (!site?.enabled) throw new OvercryptError(ErrorCode.Forbidden, 'Overcrypt is not enabled on this site');
      const ctx = await this.pageContext(caller);
      if (!ctx || ctx.host !== req.host.toLowerCase() || ctx.conversation?.id !== req.conversationId) {
        throw new OvercryptError(ErrorCode.NotFound, 'report the page context of this conversation first');
      }
      return this.jobs.openCompose({ opener: { tabId: caller.tabId!, frameId: caller.frameId ?? 0 }, host: ctx.host, conversationId: req.conversationId });
    },
    'compose/output': async (req, caller) => {
      const job = await this.jobs.composeForOpener(req.jobId, caller);
      return { outputs: await this.jobs.takeOutputs(job) };
    },
    'compose/block': async (req, caller) => {
      const job = await this.jobs.composeForOpener(req.jobId, caller);
      await this.jobs.block(job, req.reason);
      return {};
    },
    'job/release': async (req, caller) => {
      await this.jobs.release(req.handleOrJobId, caller);
      this.prefetch.forget(req.handleOrJobId); // by handle (a job id matches nothing; the oldest go first anyway)
      return {};
    },

    'display/open': async (req, caller): Promise<DisplayRegion> => this.claimRegion(req.handle, caller),
    'display/await': async (_req, caller): Promise<DisplayRegion | null> => {
      const handle = await this.spares.wait(caller);
      return handle === undefined ? null : this.claimRegion(handle, caller);
    },
    'display/toSpare': async (req, caller) => {
      if (!(await this.jobs.isOpenDisplayHandle(req.handle, caller.tabId))) throw new OvercryptError(ErrorCode.NotFound, 'no such region in this tab');
      return { taken: (await this.spares.offer(caller.tabId!, req.handle)) !== undefined };
    },
    'display/fetch': async (req, caller): Promise<{ items: DisplayItem[] }> => {
      const job = await this.jobs.displayForFrame(req.jobId, caller);
      if (siteOf(this.effective.config, job.host)?.enabled !== true && !req.reveal) {
        if (req.background !== true) this.noteShown(job);
        return { items: req.indices.map(() => ({ ok: false, badge: { kind: 'clickToDecrypt' } })) };
      }
      const ctx = await this.deps.ephemeral.get<PageContext>(`ctx:${job.opener.tabId}:${job.opener.frameId}`);
      const prefetched = await this.prefetch.regionSettled(job.handle, req.indices); // (being) opened into the cache
      this.deps.trace?.('fetch:prefetched');
      const items = await this.viewFirst.run(req.background === true, () => {
        this.deps.trace?.('fetch:run');
        return fetchRegionItems(this.regionDeps(), job, req.indices, ctx?.namespace, prefetched);
      });
      this.deps.trace?.('fetch:items');
      if (req.background !== true) this.noteShown(job);
      await this.jobs.touchDisplay(job);
      return { items };
    },
    'compose/claim': async (req, caller): Promise<ComposeJob> => {
      const job = await this.jobs.claimCompose(req.handle, caller);
      const ctx = await this.deps.ephemeral.get<PageContext>(`ctx:${job.opener.tabId}:${job.opener.frameId}`);
      if (!ctx) throw new OvercryptError(ErrorCode.NotFound, 'the page context is gone; reopen the compose box');
      const conv = this.conversationRef(ctx, job.conversationId);
      return {
        jobId: job.jobId,
        conversation: { id: conv.conversationId, title: conv.title, kind: conv.kind },
        mode: siteOf(this.effective.config, job.host)?.mode ?? 'forward-secret',
        recipients: await this.recipients(conv),
        securityPattern: this.effective.config.securityPattern,
        maxPartLength: ctx.maxMessageLength ?? DEFAULT_PART_LENGTH,
      };
    },
    'compose/approve': async (req, caller) => {
      const job = await this.jobs.composeForFrame(req.jobId, caller);
      const key = await this.rosterKey(job.host, job.conversationId);
      const roster = new Set((await this.keystore.get<string[]>('groups', key)) ?? []);
      req.cardIds.forEach((id) => roster.add(id));
      await this.keystore.put('groups', key, [...roster]);
      const ctx = await this.deps.ephemeral.get<PageContext>(`ctx:${job.opener.tabId}:${job.opener.frameId}`);
      if (!ctx) throw new OvercryptError(ErrorCode.NotFound, 'the page context is gone');
      // Approved devices leave the chips' warnings.
      if (req.cardIds.length > 0) void this.notify({ tag: API_TAG, push: 'status/changed', locked: false });
      return { recipients: await this.recipients(this.conversationRef(ctx, job.conversationId)) };
    },
    'compose/submit': async (req, caller) => {
      const job = await this.jobs.composeForFrame(req.jobId, caller);
      if (job.blocked) throw new OvercryptError(ErrorCode.ComposeBlocked, `sending blocked: ${job.blocked}`);
      const ctx = await this.deps.ephemeral.get<PageContext>(`ctx:${job.opener.tabId}:${job.opener.frameId}`);
      if (!ctx) throw new OvercryptError(ErrorCode.NotFound, 'the page context is gone');
      if (!isEncryptionOn(this.effective.config, job.host, job.conversationId)) {
        throw new OvercryptError(ErrorCode.Forbidden, 'encryption is off for this conversation');
      }
      const conv = this.conversationRef(ctx, job.conversationId);
      const recipients = await this.recipients(conv);
      const changed = recipients.filter((r) => r.state === 'keyChanged').map((r) => r.identity);
      if (changed.length > 0) {
        // Nothing goes out (not even to the others) until the user compared the new key and verified it.
        throw new OvercryptError(ErrorCode.IdentityKeyChanged, 'an identity key in this conversation changed: verify it again first', { identities: changed });
      }
      const pending = recipients.flatMap((r) => r.devices.filter((d) => !d.approved).map((d) => d.cardId));
      if (pending.length > 0) {
        throw new OvercryptError(ErrorCode.UntrustedIdentity, 'new people or devices in this conversation: approve them first', { cardIds: pending });
      }
      const recipientCardIds = recipients.flatMap((r) => r.devices.filter((d) => !d.thisDevice).map((d) => d.cardId));
      if (recipientCardIds.length === 0) throw new OvercryptError(ErrorCode.NotFound, 'nobody in this conversation can read encrypted messages yet');
      const out = await this.deps.engines.messages.encrypt(this.env, {
        conversation: conv,
        mode: siteOf(this.effective.config, job.host)?.mode ?? 'forward-secret',
        recipientCardIds,
        plaintext: req.plaintext,
        maxPartLength: ctx.maxMessageLength ?? DEFAULT_PART_LENGTH,
      });
      // Our own copy, so the sent message reads as plaintext after a reload (its keys are gone by then).
      await this.cache.put(await ciphertextDigest(out.parts), { plaintext: req.plaintext, header: out.header, direction: 'sent' });
      const output = { messageId: out.messageId, parts: out.parts };
      await this.jobs.addOutput(job, output);
      try {
        await this.deps.notifier?.toFrame(job.opener.tabId, job.opener.frameId, { tag: API_TAG, push: 'compose/ciphertext', jobId: job.jobId, output });
      } catch {
        // The content script collects it with compose/output.
      }
      return { messageId: out.messageId, parts: out.parts.length };
    },

    'contacts/list': () => this.deps.engines.contacts.list(this.env),
    'contacts/verify': async (req) => {
      const contact = await this.deps.engines.contacts.setVerified(this.env, req.identity, req.verified);
      // Status chips and compose frames show trust: they re-read it (a frame's "key changed" block lifts).
      await this.notify({ tag: API_TAG, push: 'status/changed', locked: false });
      return contact;
    },
    'contacts/safetyNumber': (req) => this.deps.engines.contacts.safetyNumber(this.env, req.identity),
    'devices/list': () => this.deps.engines.account.devices(this.env),
    'devices/revoke': async (req) => {
      const account = await this.account();
      if (req.cardId === account?.deviceCardId) {
        throw new OvercryptError(ErrorCode.Conflict, 'this is the current device: log out to revoke it');
      }
      await this.deps.engines.account.revokeDevice(this.env, req.cardId);
      return this.deps.engines.account.devices(this.env);
    },
    'prekeys/status': () => this.deps.engines.keys.prekeyStatus(this.env),
    'prekeys/rotate': async () => {
      await this.deps.engines.keys.rotateSignedPrekey(this.env, true);
      return this.deps.engines.keys.topUpPrekeys(this.env);
    },
    'backup/status': async () => {
      const s = await this.deps.engines.account.backupStatus(this.env);
      return { ...s, allowed: this.effective.config.allowKeyBackup, required: this.effective.config.requireKeyBackup };
    },
    'backup/create': async (req) => {
      this.requireBackupAllowed();
      await this.deps.engines.account.backupCreate(this.env, req.backupPassword);
      return { ...(await this.deps.engines.account.backupStatus(this.env)), allowed: true };
    },
    'backup/changePassword': async (req) => {
      this.requireBackupAllowed();
      await this.deps.engines.account.backupChangePassword(this.env, req.oldPassword, req.newPassword);
      return { ...(await this.deps.engines.account.backupStatus(this.env)), allowed: true };
    },
    'sites/list': async () => this.effective.config.sites,
    'sites/toggle': async (req) => {
      const pref = { enabled: req.enabled, ...(req.mode ? { mode: req.mode } : {}) };
      await this.saveUserSettings(applyUserPatch(this.user, { sites: { [req.host]: pref } }, this.effective.locked));
      await this.syncSiteScripts();
      await this.notify({ tag: API_TAG, push: 'settings/changed' });
      return this.effective.config.sites;
    },
    'settings/get': async () => this.settingsView(),
    'settings/set': async (req) => {
      await this.saveUserSettings(applyUserPatch(this.user, req.patch, this.effective.locked));
      if (req.patch.sites) await this.syncSiteScripts();
      await this.notify({ tag: API_TAG, push: 'settings/changed' });
      return this.settingsView();
    },
  };

  private settingsView() {
    const { forcedModes, conversations, securityPattern, ...effective } = this.effective.config;
    void forcedModes;
    void conversations;
    void securityPattern;
    return { effective, user: this.user, locked: [...this.effective.locked], lockedReasons: lockedReasons(this.effective) };
  }

  private requireBackupAllowed(): void {
    if (!this.effective.config.allowKeyBackup) {
      throw new OvercryptError(ErrorCode.Forbidden, 'key backup is disabled by your organisation');
    }
  }
}

/**
 * `compose/approve` of nothing is the compose frame re-reading who can read (on pushes, and polled while shown):
 * not user activity, or an open compose frame would keep the vault unlocked for ever.
 */
function isRecipientsReread(request: ApiRequest): boolean {
  return request.type === 'compose/approve' && request.cardIds.length === 0;
}

function recipientWarnings(recipients: RecipientView[]): PageWarning[] {
  const warnings: PageWarning[] = [];
  for (const r of recipients) {
    if (r.state === 'noCard') warnings.push({ kind: 'noCard', handle: r.handle });
    else if (r.state === 'keyChanged') warnings.push({ kind: 'keyChanged', identity: r.identity });
    for (const d of r.devices) if (!d.approved) warnings.push({ kind: 'newDevice', identity: r.identity, cardId: d.cardId });
  }
  return warnings;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
