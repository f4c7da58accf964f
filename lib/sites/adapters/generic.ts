/**
 * Any page: compose boxes are text areas and contenteditable regions; messages are not known, so armor is
 * located in page text (`findArmorElements`). Identity namespace: the page's host.
 */
import { queryAll } from '../dom-read';
import { defineAdapterSpec } from '../spec';

const EDITABLE =
  'textarea:not([readonly]):not([disabled]), [contenteditable=""], [contenteditable="true"], [contenteditable="plaintext-only"]';

export const GENERIC = defineAdapterSpec({
  id: 'generic',
  name: 'Any page',
  match: {},
  compose: { input: EDITABLE, sendKey: 'Enter' },
  namespace: 'host',
  handleCase: 'ascii',
  limits: { maxMessageLength: 100_000, unit: 'chars' },
});

/** Text areas and outermost contenteditable regions where a lock button may be offered. */
export function findComposeCandidates(doc: Document): Element[] {
  return queryAll(doc, EDITABLE).filter((el) => {
    const parent = el.parentElement;
    return !(el.tagName.toLowerCase() !== 'textarea' && parent && parent.closest('[contenteditable]:not([contenteditable="false"])'));
  });
}

/** Elements whose text is never page content (or is the user's own input). */
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'textarea', 'input', 'select', 'iframe', 'svg', 'math']);

export interface ArmorScanOptions {
  /** Number of complete armors in a text (e.g. `(t) => findArmor(t).length` from lib/wire). */
  countArmor: (text: string) => number;
  /** Elements to leave alone (e.g. Overcrypt's own frames, already replaced messages). */
  skip?: (el: Element) => boolean;
}

/**
 * The smallest elements whose textContent holds armor — even when the site split it across elements
 * (linkified URLs, highlighted words, line breaks): the text of an element, not of single text nodes.
 * An element is returned when it holds more armor than its children do individually.
 */
export function findArmorElements(root: Element, options: ArmorScanOptions): Element[] {
  const found: Element[] = [];
  const visit = (el: Element, count: number): void => {
    let inChildren = 0;
    for (const child of Array.from(el.children)) {
      if (skipped(child, options)) continue;
      const c = options.countArmor(scanText(child, options));
      if (c > 0) {
        inChildren += c;
        visit(child, c);
      }
    }
    if (count > inChildren) found.push(el);
  };
  if (skipped(root, options)) return found;
  const count = options.countArmor(scanText(root, options));
  if (count > 0) visit(root, count);
  return found;
}

/** textContent without the text of skipped subtrees (compose boxes, our own frames, ...). */
function scanText(el: Element, options: ArmorScanOptions): string {
  let text = '';
  for (const node of Array.from(el.childNodes)) {
    if (node.nodeType === 3) text += node.nodeValue ?? '';
    else if (node.nodeType === 1 && !skipped(node as Element, options)) text += scanText(node as Element, options);
  }
  return text;
}

function skipped(el: Element, options: ArmorScanOptions): boolean {
  if (SKIP.has(el.tagName.toLowerCase())) return true;
  const editable = el.getAttribute('contenteditable');
  if (editable !== null && editable !== 'false') return true;
  return options.skip?.(el) ?? false;
}
