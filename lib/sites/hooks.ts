/**
 * Code hooks: the few things a declarative spec cannot express. Specs name a hook set (`"hooks": "<name>"`);
 * the code lives here, in the release. Policy specs may name these sets, never bring code.
 */
import type { InsertResult } from './compose';
import type { ConversationContext } from './adapter';

export interface SiteHooks {
  /** Replaces the default insert strategy list (lib/sites/compose.ts). */
  insert?(el: Element, text: string): InsertResult;
  /** Adjusts the conversation read from the page (e.g. a site that encodes the id in the URL). */
  conversation?(doc: Document, read: ConversationContext): ConversationContext | null;
}

/** A conversation id from the page URL's hash route, e.g. "#/chan-3" or "#/room/abc". */
function conversationFromHash(doc: Document, read: ConversationContext): ConversationContext | null {
  const hash = new URL(doc.URL).hash.replace(/^#\/?/, '');
  return hash ? { ...read, id: decodeURIComponent(hash) } : read;
}

export const BUILTIN_HOOKS: Readonly<Record<string, SiteHooks>> = {
  'conversation-from-hash': { conversation: conversationFromHash },
};
