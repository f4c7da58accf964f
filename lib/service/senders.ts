/**
 * Who is calling: derived from the runtime sender's extension id, origin and page path — never from the absence
 * of a tab (our compose/display frames live inside page tabs too).
 */
import type { SenderKind } from '../api/views';

/** The subset of chrome.runtime.MessageSender the worker looks at. */
export interface SenderInfo {
  id?: string;
  origin?: string;
  url?: string;
  tab?: { id?: number };
  frameId?: number;
  documentId?: string;
}

export interface Caller {
  kind: SenderKind;
  tabId?: number;
  frameId?: number;
  documentId?: string;
  /** Page origin for content scripts (e.g. "https://chat.example"). */
  origin: string;
}

/** Paths of our extension pages (WXT entrypoint names). The integrator keeps these in step with entrypoints/. */
export interface ExtensionPages {
  popup: string[];
  tabs: string[];
  compose: string[];
  display: string[];
}

/** WXT names a directory entrypoint `entrypoints/<name>/index.html` as `/<name>.html`. */
export const DEFAULT_PAGES: ExtensionPages = {
  popup: ['/popup.html'],
  tabs: ['/options.html', '/firstrun.html'],
  compose: ['/compose-frame.html'],
  display: ['/display-frame.html'],
};

export interface SelfIdentity {
  extensionId: string;
  /** e.g. "chrome-extension://<id>" (no trailing slash) */
  extensionOrigin: string;
  pages?: ExtensionPages;
}

/** Classifies a sender; undefined = refuse (another extension, an unknown page of ours, no origin). */
export function classifySender(sender: SenderInfo, self: SelfIdentity): Caller | undefined {
  if (sender.id !== self.extensionId) return undefined;
  const origin = sender.origin ?? originOf(sender.url);
  if (!origin) return undefined;
  const where = { tabId: sender.tab?.id, frameId: sender.frameId, documentId: sender.documentId, origin };
  if (origin === self.extensionOrigin) {
    const path = pathOf(sender.url);
    const pages = self.pages ?? DEFAULT_PAGES;
    if (path === undefined) return undefined;
    if (pages.popup.includes(path)) return { kind: 'popup', ...where };
    if (pages.tabs.includes(path)) return { kind: 'extensionTab', ...where };
    if (pages.compose.includes(path)) return { kind: 'composeFrame', ...where };
    if (pages.display.includes(path)) return { kind: 'displayFrame', ...where };
    return undefined;
  }
  // Anything else from our extension id is a content script running in a web page (the least trusted kind).
  if (/^https?:\/\//.test(origin) || origin === 'null') {
    if (where.tabId === undefined) return undefined;
    return { kind: 'contentScript', ...where };
  }
  return undefined;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
