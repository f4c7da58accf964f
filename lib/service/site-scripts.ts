/**
 * Our content script on sites beyond the manifest's static matches (http://127.0.0.1/*, http://localhost/*).
 * When the user (popup, `sites/toggle`) or policy (`sitesEnabled`, `forcedModes`) enables a site, the worker
 * registers `content-scripts/content.js` for it with `scripting.registerContentScripts`, one registration per
 * hostname, and removes registrations of sites no longer enabled. Registering needs no host permission; the
 * browser injects only where the extension has one (the popup asks for it on the user's click; for policy sites
 * see docs/policy.md).
 *
 * The browser calls live in entrypoints/background.ts behind `SiteScriptRegistry`; this module decides what to
 * register. Match patterns carry no port (like the popup's permission request), so one registration per hostname
 * covers every port of it.
 */
import type { SiteView } from '../api/views';

/** The browser side: registrations of ours, by hostname. */
export interface SiteScriptRegistry {
  /** Hostnames that currently have a registration of ours (ids with SITE_SCRIPT_ID_PREFIX). */
  list(): Promise<string[]>;
  /** Registers the content script for these hostnames (all or none, like the browser API). */
  register(hostnames: string[]): Promise<void>;
  unregister(hostnames: string[]): Promise<void>;
  /**
   * Runs the content script in tabs already open on these hostnames (a registration only applies to pages loaded
   * after it), so a site the user just enabled works without a reload. Optional; failures are ignored.
   */
  injectOpenTabs?(hostnames: string[]): Promise<void>;
}

export const SITE_SCRIPT_ID_PREFIX = 'overcrypt-site:';
/** The built content script (WXT output for entrypoints/content). */
export const CONTENT_SCRIPT_FILE = 'content-scripts/content.js';
/** Covered for http by the manifest's static content_scripts matches. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

export interface SiteScriptSync {
  added: string[];
  removed: string[];
  /** Hostnames the browser refused to register (kept out; retried on the next sync). */
  failed: string[];
}

/** "Chat.Example:8443" -> "chat.example"; undefined for anything that is not a plain DNS name or IPv4 address. */
export function hostnameOf(host: string): string | undefined {
  const name = host.trim().toLowerCase().replace(/:\d{1,5}$/, '');
  return HOSTNAME.test(name) ? name : undefined;
}

/** Hostnames that need a registration: enabled sites, minus what the manifest already covers. Sorted, unique. */
export function siteScriptHostnames(sites: readonly SiteView[]): string[] {
  const names = new Set<string>();
  for (const site of sites) {
    const name = site.enabled ? hostnameOf(site.host) : undefined;
    if (name) names.add(name);
  }
  return [...names].sort();
}

/**
 * Match patterns for one hostname: both schemes (injection still needs the host permission the user or admin
 * gave, which names the scheme); loopback names only for https, the manifest covers their http.
 */
export function siteScriptMatches(hostname: string): string[] {
  return LOOPBACK.has(hostname) ? [`https://${hostname}/*`] : [`*://${hostname}/*`];
}

export function siteScriptId(hostname: string): string {
  return `${SITE_SCRIPT_ID_PREFIX}${hostname}`;
}

/**
 * Brings the registrations in line with `wanted`. `prune` false only adds (while the vault is locked the user's
 * own sites are unknown, so their registrations must stay).
 */
export async function syncSiteScripts(registry: SiteScriptRegistry, wanted: readonly string[], prune: boolean): Promise<SiteScriptSync> {
  const current = new Set(await registry.list());
  const want = new Set(wanted);
  const removed = prune ? [...current].filter((h) => !want.has(h)) : [];
  if (removed.length > 0) await registry.unregister(removed);
  const missing = [...want].filter((h) => !current.has(h));
  const failed: string[] = [];
  if (missing.length > 0) {
    try {
      await registry.register(missing);
    } catch {
      // The browser registers all or none: find the ones it refuses, keep the rest.
      for (const h of missing) await registry.register([h]).catch(() => failed.push(h));
    }
  }
  const added = missing.filter((h) => !failed.includes(h));
  if (added.length > 0) await registry.injectOpenTabs?.(added).catch(() => undefined);
  return { added, removed, failed };
}
