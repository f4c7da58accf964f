/**
 * The only place our extension pages (popup, options, firstrun) touch `browser.*`: it builds the ApiClient and the
 * UiEnv the preact views receive, and installs browser.i18n as the message lookup.
 */
import { browser } from 'wxt/browser';
import { API_TAG, createApiClient, type ApiClient, type ProgressEvent } from '../../lib/api';
import type { CurrentTab, UiEnv } from '../../components/context';
import { setMessageLookup } from '../../components/i18n';

export function setupExtensionPage(): { api: ApiClient; env: UiEnv } {
  setMessageLookup((key, subs) => (browser.i18n.getMessage as (k: string, s?: string[]) => string)(key, subs));
  document.documentElement.lang = browser.i18n.getUILanguage?.() ?? 'en';
  const api = createApiClient((envelope) => browser.runtime.sendMessage(envelope));
  const env: UiEnv = {
    currentTab,
    requestHostPermission: async (host, scheme) => {
      // Match patterns carry no port; the scheme is the page's own (asking for *:// would prompt for https too).
      const origins = [`${scheme}://${host.replace(/:\d+$/, '')}/*`];
      if (await browser.permissions.contains({ origins })) return true;
      return browser.permissions.request({ origins });
    },
    openPage: (page) => void browser.tabs.create({ url: browser.runtime.getURL(`/${page}.html` as '/popup.html') }),
    subscribeProgress: (listener) => {
      const onMessage = (msg: unknown) => {
        const m = msg as { tag?: unknown; push?: unknown } & Partial<ProgressEvent>;
        if (m?.tag === API_TAG && m.push === 'progress' && typeof m.step === 'string') listener(m as ProgressEvent);
      };
      browser.runtime.onMessage.addListener(onMessage);
      return () => browser.runtime.onMessage.removeListener(onMessage);
    },
    now: () => Date.now(),
  };
  return { api, env };
}

/**
 * The site tab the user means: the active tab for the real popup; when our page is itself a tab (options, or the
 * popup opened in a tab by tests), the most recently used web tab of the window. Reading a URL needs the
 * activeTab permission or a host permission for it.
 */
async function currentTab(): Promise<CurrentTab | null> {
  const [active] = await browser.tabs.query({ active: true, currentWindow: true });
  let tab = active;
  if (active?.url?.startsWith(browser.runtime.getURL('/'))) {
    const web = (await browser.tabs.query({ currentWindow: true })).filter((t) => /^https?:/.test(t.url ?? ''));
    tab = web.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0];
  }
  if (!tab?.url || tab.id === undefined) return null;
  let url: URL;
  try {
    url = new URL(tab.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return { host: url.host, scheme: url.protocol === 'https:' ? 'https' : 'http', tabId: tab.id };
}
