/**
 * The background service worker: thin. Listeners are wired synchronously at start (an MV3 worker woken by an
 * event must have its listener registered in the first turn); all work is delegated to lib/service.
 *
 * The crypto/protocol engines come from lib/engine (`createEngines()` below); lib/service/unwired.ts remains for
 * tests and builds without them.
 */
import { browser } from 'wxt/browser';
import wasmUrl from 'virgil-crypto/dist/libfoundation.browser.wasm?url';
import { ensureCrypto } from '../lib/crypto/init';
import { isApiEnvelope } from '../lib/api/client';
import type { PagePush, WorkerPush } from '../lib/api/messages';
import { openStorage } from '../lib/storage/db';
import { createEngines as createRealEngines } from '../lib/engine';
import {
  OvercryptService,
  MAINTENANCE_ALARM,
  MAINTENANCE_PERIOD_MINUTES,
  ephemeralStore,
  managedPolicySource,
  sessionKeyStore,
  whenReady,
  toolbarIcon,
  CONTENT_SCRIPT_FILE,
  SITE_SCRIPT_ID_PREFIX,
  siteScriptId,
  siteScriptMatches,
  type Engines,
  type Notifier,
  type SenderInfo,
  type SiteScriptRegistry,
  type StorageAreaLike,
} from '../lib/service';

/** Set by wxt.config.ts (vite define): true only in test builds, so the branches it guards leave release bundles. */
declare const __OVERCRYPT_TEST_BUILD__: boolean;

/** TEST builds only: storage.session key holding a clock offset (ms) that tests write from an extension page. */
const TEST_CLOCK_OFFSET_KEY = 'overcryptTestClockOffsetMs';

/**
 * TEST builds only: when each API request arrived and was answered (epoch ms), for the benches to see where a
 * page's time goes in the worker (read through the worker's `__ocTrace`). Bounded; compiled out of release bundles.
 */
const TRACE_MAX = 5_000;
function trace(name: string): void {
  if (typeof __OVERCRYPT_TEST_BUILD__ === 'undefined' || !__OVERCRYPT_TEST_BUILD__) return;
  const g = globalThis as unknown as { __ocTrace?: Array<[string, number]> };
  const list = (g.__ocTrace ??= []);
  if (list.length < TRACE_MAX) list.push([name, performance.timeOrigin + performance.now()]);
}
function traceType(request: unknown): string {
  const t = (request as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : '?';
}

/** The real engines (lib/engine: cards, contacts, x3dh, ratchet, sender keys, card mode, backup). */
function createEngines(): Engines {
  return createRealEngines();
}

export default defineBackground(() => {
  const chromeApi = browser;
  const session = chromeApi.storage.session as unknown as StorageAreaLike;
  // Content scripts must never read the unlocked key (this is the default; set it explicitly anyway).
  void chromeApi.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' }).catch(() => undefined);

  // Once per worker start; nothing is regenerated on wake. The WASM URL comes from the bundle.
  const crypto = ensureCrypto({ locateFile: () => wasmUrl }).catch((e: unknown) => {
    console.error('Overcrypt: crypto init failed', e instanceof Error ? e.message : 'unknown');
    throw e;
  });

  // Chrome has no fake clock for service workers: test builds let E2E tests jump time (auto-lock) by writing an
  // offset into storage.session (extension pages only). Compiled out of release builds.
  let clockOffsetMs = 0;
  let clockReady: Promise<void> = Promise.resolve();
  if (typeof __OVERCRYPT_TEST_BUILD__ !== 'undefined' && __OVERCRYPT_TEST_BUILD__) {
    const apply = (v: unknown) => {
      clockOffsetMs = typeof v === 'number' && Number.isFinite(v) ? v : 0;
    };
    clockReady = chromeApi.storage.session.get(TEST_CLOCK_OFFSET_KEY).then((r) => apply(r[TEST_CLOCK_OFFSET_KEY]), () => undefined);
    chromeApi.storage.onChanged.addListener((changes, area) => {
      if (area === 'session' && TEST_CLOCK_OFFSET_KEY in changes) apply(changes[TEST_CLOCK_OFFSET_KEY]?.newValue);
    });
  }

  const notifier: Notifier = {
    async toFrame(tabId, frameId, push: WorkerPush) {
      await chromeApi.tabs.sendMessage(tabId, push, { frameId });
    },
    async broadcast(push: WorkerPush) {
      await Promise.allSettled([
        chromeApi.runtime.sendMessage(push),
        ...(await chromeApi.tabs.query({})).map((t) => (t.id === undefined ? undefined : chromeApi.tabs.sendMessage(t.id, push))),
      ]);
    },
    async toExtensionPages(push: PagePush) {
      await chromeApi.runtime.sendMessage(push).catch(() => undefined);
    },
    // The toolbar shows whether the vault is open (manifest default: locked).
    async lockState(locked: boolean) {
      await chromeApi.action.setIcon({ path: toolbarIcon(locked) });
    },
    // Per tab: the browser drops these when the tab navigates or closes.
    async tabBadge(tabId, badge) {
      await Promise.all([
        chromeApi.action.setBadgeText({ tabId, text: badge.text }),
        chromeApi.action.setBadgeBackgroundColor({ tabId, color: badge.color }),
        chromeApi.action.setTitle({ tabId, title: badge.title }),
      ]);
    },
  };

  // Our content script on the sites the user or policy enabled (lib/service/site-scripts.ts decides which).
  // Registrations persist across browser restarts and updates; the browser injects only with a host permission.
  const siteScripts: SiteScriptRegistry = {
    async list() {
      const scripts = await chromeApi.scripting.getRegisteredContentScripts();
      return scripts.filter((s) => s.id.startsWith(SITE_SCRIPT_ID_PREFIX)).map((s) => s.id.slice(SITE_SCRIPT_ID_PREFIX.length));
    },
    async register(hostnames) {
      await chromeApi.scripting.registerContentScripts(
        hostnames.map((h) => ({
          id: siteScriptId(h),
          matches: siteScriptMatches(h),
          js: [CONTENT_SCRIPT_FILE],
          runAt: 'document_start' as const, // as the static one (entrypoints/content/index.ts)
          allFrames: false,
          persistAcrossSessions: true,
        })),
      );
    },
    async unregister(hostnames) {
      await chromeApi.scripting.unregisterContentScripts({ ids: hostnames.map(siteScriptId) });
    },
    async injectOpenTabs(hostnames) {
      // Only tabs we hold a host permission for are listed by URL. A content script already running there is
      // invalidated by the new one (WXT's ContentScriptContext) and stops its controller.
      const tabs = await chromeApi.tabs.query({ url: hostnames.flatMap(siteScriptMatches) });
      await Promise.allSettled(
        tabs.map((t) => (t.id === undefined ? undefined : chromeApi.scripting.executeScript({ target: { tabId: t.id }, files: [`/${CONTENT_SCRIPT_FILE}` as '/content-scripts/content.js'] }))),
      );
    },
  };

  const service: Promise<OvercryptService> = (async () => {
    const db = await openStorage();
    await clockReady;
    return new OvercryptService({
      db,
      sessionKeys: sessionKeyStore(session),
      ephemeral: ephemeralStore(session),
      clock: { now: () => Date.now() + clockOffsetMs },
      fetch: (input, init) => fetch(input, init),
      // Engines wait for the WASM; everything else answers at once.
      engines: whenReady(createEngines(), () => crypto),
      policy: managedPolicySource(chromeApi.storage.managed as unknown as StorageAreaLike | undefined),
      self: { extensionId: chromeApi.runtime.id, extensionOrigin: new URL(chromeApi.runtime.getURL('/')).origin },
      notifier,
      siteScripts,
      trace,
    });
  })();

  // Every message: our envelope only. No onMessageExternal listener: other extensions get no answer.
  chromeApi.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
    if (!isApiEnvelope(message)) return false;
    void (async () => {
      const s = await service;
      const type = traceType(message.request);
      trace(`in:${type}`);
      const reply = await s.handle(message.request, sender as SenderInfo);
      trace(`out:${type}`);
      sendResponse(reply);
    })().catch(() => sendResponse({ ok: false, error: { code: 'Internal', message: 'the worker could not start' } }));
    return true; // answer asynchronously
  });

  chromeApi.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name !== MAINTENANCE_ALARM) return;
    void service.then((s) => s.onAlarm(alarm.name)).catch(() => undefined);
  });

  chromeApi.storage.onChanged.addListener((_changes, area) => {
    if (area === 'managed') void service.then((s) => s.onPolicyChanged());
  });

  chromeApi.tabs.onRemoved.addListener((tabId) => void service.then((s) => s.onTabClosed(tabId)).catch(() => undefined));

  chromeApi.runtime.onInstalled.addListener((details) => {
    if (details.reason === 'install') void chromeApi.tabs.create({ url: chromeApi.runtime.getURL('/firstrun.html') });
  });

  // The alarm drives auto-lock and maintenance even when no page talks to us; create it once.
  void chromeApi.alarms.get(MAINTENANCE_ALARM).then((existing) => {
    if (!existing) void chromeApi.alarms.create(MAINTENANCE_ALARM, { periodInMinutes: MAINTENANCE_PERIOD_MINUTES });
  });

  // Enforce auto-lock right at wake, before any request arrives.
  void service.then((s) => s.wake()).catch(() => undefined);
});
