/**
 * Where messages are in a page. A site adapter knows its markup (The Lounge: `.msg` with the text in
 * `span.content`); the generic locator falls back to the nearest block element around any text that may hold armor.
 */

export interface MessageLocator {
  /** Message elements at or under `node` (including `node` itself). */
  messagesIn(node: ParentNode): Element[];
  /** The message element that contains `node`, or null. */
  messageOf(node: Node): Element | null;
  /** The element whose whole `textContent` is the message text (armor may be split across its children). */
  textOf(message: Element): Element | null;
  /** The author the page shows for the message (only a claim; the worker compares it with the signed header). */
  authorOf(message: Element): string | undefined;
}

/** A locator from CSS selectors: what a declarative site adapter provides. */
export function selectorLocator(opts: {
  message: string;
  text: string;
  /** Attribute of the message element, or a selector whose text is the author. */
  authorAttribute?: string;
  authorSelector?: string;
}): MessageLocator {
  return {
    messagesIn(node) {
      const found: Element[] = [];
      if (isElement(node) && node.matches(opts.message)) found.push(node);
      found.push(...Array.from(node.querySelectorAll(opts.message)));
      return found;
    },
    messageOf(node) {
      const el = isElement(node) ? node : node.parentElement;
      return el?.closest(opts.message) ?? null;
    },
    textOf(message) {
      return message.querySelector(opts.text);
    },
    authorOf(message) {
      if (opts.authorAttribute) {
        const v = message.getAttribute(opts.authorAttribute);
        if (v) return v;
      }
      if (opts.authorSelector) return message.querySelector(opts.authorSelector)?.textContent?.trim() || undefined;
      return undefined;
    },
  };
}

const BLOCK_TAGS = new Set([
  'P', 'DIV', 'LI', 'TD', 'TH', 'PRE', 'BLOCKQUOTE', 'ARTICLE', 'SECTION', 'DD', 'DT', 'H1', 'H2', 'H3', 'H4', 'H5',
  'H6', 'FIGCAPTION', 'ASIDE', 'MAIN', 'HEADER', 'FOOTER',
]);
/** Never treated as a message: editing surfaces and our own elements are skipped. */
const SKIP_SELECTOR = 'textarea, input, script, style, noscript, [contenteditable=""], [contenteditable="true"], [data-overcrypt]';

/**
 * Any page: the nearest block element around a text node that contains `OC` (the armor magic; an armor always
 * starts with it, so the text node holding its start contains it unless the site splits inside the magic).
 */
export function genericLocator(): MessageLocator {
  const messageOf = (node: Node): Element | null => {
    let el: Element | null = isElement(node) ? node : node.parentElement;
    if (el?.closest(SKIP_SELECTOR)) return null;
    while (el && !BLOCK_TAGS.has(el.tagName)) el = el.parentElement;
    return el && el.tagName !== 'BODY' && el.tagName !== 'HTML' ? el : null;
  };
  return {
    messageOf,
    messagesIn(node) {
      const doc = (node as Node).ownerDocument ?? (node as Document);
      const walker = doc.createTreeWalker(node as Node, 4 /* NodeFilter.SHOW_TEXT */);
      const found = new Set<Element>();
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        if (!t.nodeValue || t.nodeValue.indexOf('OC') < 0) continue;
        const m = messageOf(t);
        if (m) found.add(m);
      }
      return [...found];
    },
    textOf: (message) => message,
    authorOf: () => undefined,
  };
}

export function isElement(node: unknown): node is Element {
  return typeof node === 'object' && node !== null && (node as Node).nodeType === 1;
}
