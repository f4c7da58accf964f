/**
 * Effective configuration = managed policy over user settings over defaults, plus the list of keys policy locks.
 * Pure functions: the worker recomputes on every change of either source (storage.onChanged area "managed", or a
 * settings/set request) and keeps the result in memory.
 *
 *   const { config, locked } = effectiveConfig(userSettings, policy);
 *   config.autoLockMinutes  // policy's value if set, else the user's, else 15
 *   locked.includes('sites.chat.example')  // the popup shows it locked
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { EncryptionMode, EffectiveSettingsView, SiteView, UserSettings } from '../api/views';
import type { ManagedPolicy } from './schema';

export interface Defaults {
  directoryUrl: string;
  autoLockMinutes: number;
  prekeyTarget: number;
  allowKeyBackup: boolean;
  requireKeyBackup: boolean;
  mode: EncryptionMode;
}

export const DEFAULTS: Defaults = {
  directoryUrl: 'http://127.0.0.1:8787',
  autoLockMinutes: 15,
  prekeyTarget: 100,
  allowKeyBackup: true,
  requireKeyBackup: false,
  mode: 'forward-secret',
};

export type EffectiveConfig = EffectiveSettingsView & {
  /** host -> forced mode (encryption forced on for every conversation there) */
  forcedModes: Record<string, EncryptionMode>;
  conversations: Record<string, boolean>;
  securityPattern?: string;
};

export interface Effective {
  config: EffectiveConfig;
  /** Dotted keys decided by policy: 'directoryUrl', 'sites.<host>', 'sites.<host>.mode', ... */
  locked: string[];
}

const SCALAR_KEYS = ['directoryUrl', 'autoLockMinutes', 'prekeyTarget', 'allowKeyBackup', 'requireKeyBackup'] as const;
/** Policy-only keys: a user setting of the same name is ignored. */
const POLICY_ONLY = new Set<string>(['allowKeyBackup', 'requireKeyBackup']);

export function effectiveConfig(user: UserSettings, policy: ManagedPolicy, defaults: Defaults = DEFAULTS): Effective {
  const locked: string[] = [];
  const pick = <K extends (typeof SCALAR_KEYS)[number]>(key: K): Defaults[K] => {
    const fromPolicy = policy[key];
    if (fromPolicy !== undefined) {
      locked.push(key);
      return fromPolicy as Defaults[K];
    }
    const fromUser = POLICY_ONLY.has(key) ? undefined : (user as Record<string, unknown>)[key];
    return (fromUser ?? defaults[key]) as Defaults[K];
  };
  const config: EffectiveConfig = {
    directoryUrl: pick('directoryUrl'),
    autoLockMinutes: pick('autoLockMinutes'),
    prekeyTarget: pick('prekeyTarget'),
    allowKeyBackup: pick('allowKeyBackup'),
    requireKeyBackup: false,
    appPublicKey: policy.appPublicKey,
    orgCardId: policy.orgCardId,
    orgPublicKey: policy.orgPublicKey,
    identityHint: policy.identityHint,
    extraSiteAdapters: policy.extraSiteAdapters ?? [],
    forcedModes: policy.forcedModes ?? {},
    sites: [],
    conversations: user.conversations ?? {},
    securityPattern: user.securityPattern,
  };
  // A backup the organisation forbids cannot be required.
  config.requireKeyBackup = pick('requireKeyBackup') && config.allowKeyBackup;
  for (const key of ['appPublicKey', 'orgCardId', 'orgPublicKey', 'identityHint', 'extraSiteAdapters'] as const) {
    if (policy[key] !== undefined) locked.push(key);
  }
  config.sites = effectiveSites(user, policy, defaults, locked);
  return { config, locked };
}

function effectiveSites(user: UserSettings, policy: ManagedPolicy, defaults: Defaults, locked: string[]): SiteView[] {
  const userSites = user.sites ?? {};
  const policySites = new Map((policy.sitesEnabled ?? []).map((s) => [s.host, s]));
  const forced = policy.forcedModes ?? {};
  const hosts = new Set([...Object.keys(userSites), ...policySites.keys(), ...Object.keys(forced)]);
  return [...hosts].sort().map((host) => {
    const p = policySites.get(host);
    const u = userSites[host];
    const siteLocked = p?.locked === true;
    const modeLocked = forced[host] !== undefined;
    if (siteLocked) locked.push(`sites.${host}`);
    if (modeLocked) locked.push(`sites.${host}.mode`);
    const enabled = siteLocked ? true : (u?.enabled ?? (p !== undefined || modeLocked));
    const view: SiteView = { host, enabled, mode: forced[host] ?? u?.mode ?? defaults.mode, locked: siteLocked || modeLocked };
    if (siteLocked || modeLocked) {
      view.lockedReason = siteLocked && modeLocked ? 'enabled and mode set by your organisation' : siteLocked ? 'enabled by your organisation' : 'mode set by your organisation';
    }
    return view;
  });
}

export function conversationKey(host: string, conversationId: string): string {
  return `${host.toLowerCase()}|${conversationId}`;
}

export function siteOf(config: EffectiveConfig, host: string): SiteView | undefined {
  return config.sites.find((s) => s.host === host.toLowerCase());
}

/** Encryption for one conversation: forced by policy for the site, else the user's toggle (off by default). */
export function isEncryptionOn(config: EffectiveConfig, host: string, conversationId: string): boolean {
  const site = siteOf(config, host);
  if (!site?.enabled) return false;
  if (config.forcedModes[host.toLowerCase()] !== undefined) return true;
  return config.conversations[conversationKey(host, conversationId)] ?? false;
}

/**
 * Applies a user's change; refuses (Forbidden, naming the key) any change to a key policy decides, so the UI
 * never believes a change took effect when it did not.
 */
export function applyUserPatch(user: UserSettings, patch: UserSettings, locked: readonly string[]): UserSettings {
  const isLocked = (k: string) => locked.includes(k);
  for (const key of ['directoryUrl', 'autoLockMinutes', 'prekeyTarget'] as const) {
    if (patch[key] !== undefined && isLocked(key)) refuse(key);
  }
  const next: UserSettings = { ...user, ...patch };
  if (patch.sites) {
    for (const [rawHost, pref] of Object.entries(patch.sites)) {
      const host = rawHost.toLowerCase();
      if (isLocked(`sites.${host}`) && !pref.enabled) refuse(`sites.${host}`);
      if (isLocked(`sites.${host}.mode`) && pref.mode !== undefined) refuse(`sites.${host}.mode`);
    }
    next.sites = { ...user.sites, ...lowerKeys(patch.sites) };
  }
  if (patch.conversations) next.conversations = { ...user.conversations, ...patch.conversations };
  return next;
}

function refuse(key: string): never {
  throw new OvercryptError(ErrorCode.Forbidden, `"${key}" is set by your organisation's policy`, { key });
}

function lowerKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Why each locked key is locked, in plain words for the UI (every lock comes from the organisation's policy). */
const KEY_REASONS: Record<string, string> = {
  directoryUrl: 'Your organisation sets the directory.',
  autoLockMinutes: 'Your organisation sets when Overcrypt locks itself.',
  prekeyTarget: 'Your organisation sets how many one-time prekeys are kept.',
  allowKeyBackup: 'Your organisation decides whether key backups are allowed.',
  requireKeyBackup: 'Your organisation requires a key backup.',
  appPublicKey: 'Your organisation pins the directory’s key.',
  orgCardId: 'Your organisation configures its backup card.',
  orgPublicKey: 'Your organisation configures its backup card.',
  identityHint: 'Your organisation sets how account names are formed.',
  extraSiteAdapters: 'Your organisation adds site adapters.',
};

export function lockedReasons(effective: Effective): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of effective.locked) {
    if (key.startsWith('sites.')) {
      const host = key.slice('sites.'.length).replace(/\.mode$/, '');
      out[key] = effective.config.sites.find((s) => s.host === host)?.lockedReason ?? 'Set by your organisation.';
    } else {
      out[key] = KEY_REASONS[key] ?? 'Set by your organisation.';
    }
  }
  return out;
}
