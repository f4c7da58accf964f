/** The background service: dispatcher, privileges, jobs, per-session queues, maintenance, engine seams. */
export { OvercryptService, toolbarIcon, type ServiceDeps, type PolicySource, type Notifier } from './service';
export type {
  Engines,
  EngineEnv,
  MessageEngine,
  AccountEngine,
  ContactsEngine,
  KeyMaintenance,
  SessionAccess,
  SessionKind,
  SessionStep,
  AccountRecord,
  ConversationRef,
  EncryptInput,
  EncryptOutput,
  DecryptInput,
  DecryptOutput,
  DecryptResult,
} from './engines';
export { classifySender, DEFAULT_PAGES, type SenderInfo, type Caller, type SelfIdentity, type ExtensionPages } from './senders';
export { PRIVILEGES, countsAsActivity, type Privilege } from './privileges';
export { SerialQueues } from './serial-queues';
export { JobRegistry, HANDLE_TTL_MS, COMPOSE_IDLE_TTL_MS, HELD_DISPLAY_TTL_MS, MAX_OPEN_DISPLAY_ITEMS, type DisplayJob } from './jobs';
export { fetchRegionItems, SEEN_IDS_PER_TAB, type RegionDisplayDeps } from './display';
export { InMemoryEphemeralStore, type EphemeralStore } from './ephemeral';
export { runMaintenance, TASKS, MAINTENANCE_ALARM, MAINTENANCE_PERIOD_MINUTES, type MaintenanceReport, type MaintenanceTask } from './maintenance';
export { checkPlacement, type PagePlacement } from './header-check';
export { unwiredEngines } from './unwired';
export { sessionKeyStore, ephemeralStore, managedPolicySource, type StorageAreaLike } from './adapters';
export { whenReady } from './engines-ready';
export {
  syncSiteScripts,
  siteScriptHostnames,
  siteScriptMatches,
  siteScriptId,
  hostnameOf,
  SITE_SCRIPT_ID_PREFIX,
  CONTENT_SCRIPT_FILE,
  type SiteScriptRegistry,
  type SiteScriptSync,
} from './site-scripts';
export { siteSpecsForHost } from './site-specs';
