/**
 * The content script's view of a site: the lib/sites adapter for the page, as a message locator for the armor
 * scanner and as the page context reported to the worker.
 */
import type { PageContext } from '../../lib/api';
import { genericLocator, type MessageLocator } from '../../lib/page/locator';
import type { SiteAdapter } from '../../lib/sites';

export function locatorFor(adapter: SiteAdapter): MessageLocator {
  if (!adapter.spec.messages) return genericLocator();
  return {
    // Elements only: reading each message (its text) is the scanner's job, one per idle slice step.
    messagesIn: (node) => adapter.messageElements(node),
    messageOf: (node) => adapter.messageElementAt(node),
    textOf: (message) => adapter.messageAt(message)?.textElement ?? null,
    authorOf: (message) => adapter.messageAt(message)?.sender,
  };
}

export interface PageConversation {
  /** What the worker keys jobs, settings and the signed header's conversation on. */
  id: string;
  title: string;
  kind: 'channel' | 'direct' | 'unknown';
}

/** The page context for `page/context`, or undefined when the site shows no conversation (The Lounge's lobby). */
export function readPageContext(adapter: SiteAdapter, doc: Document, host: string): { context: PageContext; conversation?: PageConversation } {
  let namespace: string;
  try {
    namespace = adapter.namespace(doc);
  } catch {
    namespace = host.replace(/:\d+$/, '').toLowerCase();
  }
  const c = adapter.conversation(doc);
  const context: PageContext = { host, adapterId: adapter.id, namespace, participants: [], maxMessageLength: partLimit(adapter) };
  const own = c?.ownHandle ?? adapter.ownHandle(doc);
  if (own) context.selfHandle = clip(own);
  if (!c) {
    if (adapter.id === 'generic') {
      // Any page: one conversation per path (a mail thread, a forum topic); the worker may refine it.
      const id = clip(`${host}${doc.location?.pathname ?? '/'}`);
      context.conversation = { id, kind: 'unknown', title: clip(doc.title || host) };
      return { context, conversation: { id, title: context.conversation.title ?? id, kind: 'unknown' } };
    }
    return { context };
  }
  const kind = c.kind === 'group' ? 'channel' : 'direct';
  const id = clip(c.key);
  context.conversation = { id, kind, title: clip(c.id) };
  context.participants = c.participants.filter((h) => h.trim() !== '').slice(0, 1000).map((handle) => ({ handle: clip(handle) }));
  return { context, conversation: { id, title: c.id, kind } };
}

function clip(s: string): string {
  return s.length > 256 ? s.slice(0, 256) : s;
}

/**
 * Longest armor part to produce: the site's limit with a margin (armor is ASCII, so bytes = characters). The Lounge
 * splits at 350 bytes; a part of exactly the limit is at the mercy of how the site counts, so stay 10 below.
 */
export function partLimit(adapter: SiteAdapter): number {
  return Math.max(64, adapter.limits.maxMessageLength - 10);
}
