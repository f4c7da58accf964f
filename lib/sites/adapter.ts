/**
 * A site adapter at run time: a validated spec plus its hooks, answering questions about a page.
 * Pure: every method works on the Document/Element passed in (a content script, or happy-dom in tests).
 *
 *   const adapter = createAdapter(THE_LOUNGE);
 *   adapter.conversation(document)  // { id: '#overcrypt', kind: 'group', namespace: 'overcrypttest', ... }
 *   adapter.messages(document)       // [{ element, text: 'hello bob 🔐 …', sender: 'alice', ... }]
 */
import { ErrorCode, OvercryptError } from '../errors';
import { insertIntoCompose, triggerSend, type InsertResult } from './compose';
import { closest, matches, queryAll, queryOne, readValue, readValues, type Scope } from './dom-read';
import type { SiteHooks } from './hooks';
import { cardIdentity, namespaceFromHost, normaliseHandle, normaliseNamespace, type HandleCase } from './identity';
import type { SiteAdapterSpec } from './spec';

export interface RenderedMessage {
  /** The message item (e.g. The Lounge's `.msg`). */
  element: Element;
  /** The element holding the text; what a display frame replaces. */
  textElement: Element;
  /** textContent of `textElement`: the whole text even when the site split it into elements. */
  text: string;
  /** The author as the page shows it (a claim, not a proof). */
  sender?: string;
  time?: string;
  /** The page's own id for the message, if it has one. */
  pageId?: string;
  /** The page marks it as the user's own. */
  self: boolean;
}

export type ConversationKind = 'group' | 'direct';

export interface ConversationContext {
  /** The conversation's name as the page shows it: a channel ("#overcrypt") or a DM peer ("bob"). */
  id: string;
  kind: ConversationKind;
  /** Normalised identity namespace (IRC network, or host). */
  namespace: string;
  /** Stable key for per-conversation settings on this page: "<namespace>/<kind>/<normalised id>". */
  key: string;
  /** Members as the page shows them (a DM: the peer). Claims, to be resolved to cards by the worker. */
  participants: string[];
  ownHandle?: string;
}

export interface MessageLimits {
  maxMessageLength: number;
  unit: 'utf8-bytes' | 'chars';
  splitsLines: boolean;
  forbiddenPrefixes: readonly string[];
}

export interface SiteAdapter {
  readonly id: string;
  readonly name: string;
  readonly spec: SiteAdapterSpec;
  readonly limits: MessageLimits;
  /** Does the spec list this host (host or host:port)? A spec without hosts matches none here. */
  matchesHost(host: string): boolean;
  /** Does the page look like this site (spec `detect`; true when the spec has none)? */
  detect(doc: Document): boolean;
  composeBox(doc: Document): Element | null;
  sendButton(doc: Document): Element | null;
  /** Puts text into the compose box so the site's framework sees it. */
  insert(el: Element, text: string): InsertResult;
  /** Triggers the site's own send for the compose box. */
  send(doc: Document, input: Element): 'button' | 'key';
  /** Rendered messages within `scope` (e.g. the document, or a subtree a MutationObserver reported). */
  messages(scope: Scope): RenderedMessage[];
  /** The message a node belongs to (for mutation records), or null. */
  messageAt(node: Node): RenderedMessage | null;
  /** The message elements within `scope`, without reading them (cheap: the scanner reads each one later). */
  messageElements(scope: Scope): Element[];
  /** The message element a node belongs to, without reading it, or null. */
  messageElementAt(node: Node): Element | null;
  conversation(doc: Document): ConversationContext | null;
  ownHandle(doc: Document): string | undefined;
  /** Normalised identity namespace of the page. */
  namespace(doc: Document): string;
  /** `handle@namespace` for a handle seen on this page. */
  identityOf(handle: string, doc: Document): string;
  /** Length of `text` in the site's unit. */
  measure(text: string): number;
  /** Can `text` be sent as one message unchanged? */
  fits(text: string): boolean;
}

export function createAdapter(spec: SiteAdapterSpec, hooks: SiteHooks = {}): SiteAdapter {
  const handleCase: HandleCase = spec.handleCase ?? 'ascii';
  const limits: MessageLimits = {
    maxMessageLength: spec.limits.maxMessageLength,
    unit: spec.limits.unit,
    splitsLines: spec.limits.splitsLines ?? false,
    forbiddenPrefixes: spec.limits.forbiddenPrefixes ?? [],
  };
  const hostPatterns = (spec.match.hosts ?? []).map((h) => h.toLowerCase());

  const readMessage = (item: Element): RenderedMessage | null => {
    const m = spec.messages;
    if (!m) return null;
    const textElement = m.text === undefined ? item : queryOne(item, m.text);
    if (!textElement) return null;
    const message: RenderedMessage = {
      element: item,
      textElement,
      text: textElement.textContent ?? '',
      self: m.self !== undefined && matches(item, m.self),
    };
    const sender = m.sender && readValue(item, m.sender);
    const time = m.time && readValue(item, m.time);
    const pageId = m.pageId && readValue(item, m.pageId);
    if (sender) message.sender = sender;
    if (time) message.time = time;
    if (pageId) message.pageId = pageId;
    return message;
  };

  const messageElements = (scope: Scope): Element[] => {
    const m = spec.messages;
    if (!m) return [];
    const items = queryAll(scope, m.item);
    // The scope itself may be an item (a MutationObserver reports the added node).
    const self = scope as unknown as Element;
    if ((self as unknown as Node).nodeType === 1 && matches(self, m.item)) items.unshift(self);
    return items;
  };

  const messageElementAt = (node: Node): Element | null => {
    const m = spec.messages;
    const el = node.nodeType === 1 ? (node as Element) : node.parentElement;
    return m && el ? closest(el, m.item) : null;
  };

  const namespace = (doc: Document): string => {
    if (spec.namespace !== 'host') {
      const value = readValue(doc, spec.namespace.source);
      if (value) return normaliseNamespace(value);
      if (!spec.namespace.fallbackToHost) throw new OvercryptError(ErrorCode.NotFound, `${spec.name}: the page shows no network name yet`);
    }
    return namespaceFromHost(new URL(doc.URL).host);
  };

  const ownHandle = (doc: Document): string | undefined => (spec.ownHandle ? readValue(doc, spec.ownHandle) : undefined);

  const readConversation = (doc: Document): ConversationContext | null => {
    const c = spec.conversation;
    if (!c) return null;
    const container = queryOne(doc, c.container);
    if (!container) return null;
    const id = readValue(container, c.id);
    if (!id) return null;
    let kind: ConversationKind = 'group';
    if (c.kind) {
      const raw = readValue(container, c.kind.source);
      const mapped = raw === undefined ? undefined : c.kind.values[raw];
      if (!mapped) return null; // e.g. The Lounge's lobby or a special view: not a conversation
      kind = mapped;
    }
    let ns: string;
    try {
      ns = namespace(doc);
    } catch {
      return null;
    }
    const own = ownHandle(doc);
    const participants = kind === 'direct' ? [id] : c.participants ? readValues(container, c.participants) : [];
    const context: ConversationContext = { id, kind, namespace: ns, key: `${ns}/${kind}/${caseFold(id, handleCase)}`, participants };
    if (own) context.ownHandle = own;
    return hooks.conversation ? hooks.conversation(doc, context) : context;
  };

  return {
    id: spec.id,
    name: spec.name,
    spec,
    limits,
    matchesHost: (host) => hostPatterns.some((p) => hostMatches(p, host.toLowerCase())),
    detect: (doc) => spec.match.detect === undefined || queryOne(doc, spec.match.detect) !== null,
    composeBox: (doc) => queryOne(doc, spec.compose.input),
    sendButton: (doc) => (spec.compose.sendButton === undefined ? null : queryOne(doc, spec.compose.sendButton)),
    insert: (el, text) => (hooks.insert ? hooks.insert(el, text) : insertIntoCompose(el, text)),
    send(doc, input) {
      const button = spec.compose.sendButton === undefined ? null : queryOne(doc, spec.compose.sendButton);
      const options: Parameters<typeof triggerSend>[1] = { button, key: spec.compose.sendKey ?? 'Enter' };
      if (spec.compose.preferKey !== undefined) options.preferKey = spec.compose.preferKey;
      return triggerSend(input, options);
    },
    messages: (scope) => messageElements(scope).map(readMessage).filter((x): x is RenderedMessage => x !== null),
    messageAt(node) {
      const item = messageElementAt(node);
      return item ? readMessage(item) : null;
    },
    messageElements,
    messageElementAt,
    conversation: readConversation,
    ownHandle,
    namespace,
    identityOf: (handle, doc) => cardIdentity(handle, namespace(doc), handleCase),
    measure: (text) => measure(text, limits.unit),
    fits(text) {
      if (measure(text, limits.unit) > limits.maxMessageLength) return false;
      if (limits.splitsLines && /[\r\n]/.test(text)) return false;
      return !limits.forbiddenPrefixes.some((p) => text.startsWith(p));
    },
  };
}

export function measure(text: string, unit: 'utf8-bytes' | 'chars'): number {
  return unit === 'chars' ? [...text].length : new TextEncoder().encode(text).length;
}

/** "*.example.com" matches subdomains only; a pattern without a port matches any port. */
export function hostMatches(pattern: string, host: string): boolean {
  const [pHost, pPort] = splitPort(pattern);
  const [hHost, hPort] = splitPort(host);
  if (pPort !== undefined && pPort !== hPort) return false;
  if (pHost.startsWith('*.')) return hHost.endsWith(pHost.slice(1)) && hHost.length > pHost.length - 1;
  return pHost === hHost;
}

function splitPort(host: string): [string, string | undefined] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return [m?.[1] ?? host, m?.[2]];
}

function caseFold(id: string, handleCase: HandleCase): string {
  try {
    return normaliseHandle(id, handleCase);
  } catch {
    return id.trim().toLowerCase(); // channel names may hold characters handles may not
  }
}
