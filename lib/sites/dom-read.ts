/**
 * Reading values out of a page by declarative selectors. Selectors come from policy too, so a bad one
 * (a syntax error) means "nothing found", never an exception in the page's content script.
 */
import type { ValueSource } from './spec';

/** Nodes that can be queried: Document, Element, DocumentFragment. */
export type Scope = Pick<ParentNode, 'querySelector' | 'querySelectorAll'>;

export function queryOne(scope: Scope, selector: string): Element | null {
  try {
    return scope.querySelector(selector);
  } catch {
    return null;
  }
}

export function queryAll(scope: Scope, selector: string): Element[] {
  try {
    return Array.from(scope.querySelectorAll(selector));
  } catch {
    return [];
  }
}

export function matches(el: Element, selector: string): boolean {
  try {
    return el.matches(selector);
  } catch {
    return false;
  }
}

export function closest(el: Element, selector: string): Element | null {
  try {
    return el.closest(selector);
  } catch {
    return null;
  }
}

/** The element a value source designates within `scope` (the scope itself when it has no selector). */
export function sourceElement(scope: Scope, source: ValueSource): Element | null {
  let el: Element | null = source.selector === undefined ? asElement(scope) : queryOne(scope, source.selector);
  if (el && source.closest !== undefined) el = closest(el, source.closest);
  if (el && source.find !== undefined) el = queryOne(el, source.find);
  return el;
}

/** The value: the attribute when named, else the trimmed textContent; undefined when absent or empty. */
export function readValue(scope: Scope, source: ValueSource): string | undefined {
  const el = sourceElement(scope, source);
  return el ? valueOf(el, source) : undefined;
}

/** Every value a source designates (for lists such as channel members), de-duplicated, in page order. */
export function readValues(scope: Scope, source: ValueSource): string[] {
  const base: Element[] = source.selector === undefined ? [asElement(scope)].filter((e): e is Element => e !== null) : queryAll(scope, source.selector);
  const out = new Set<string>();
  for (const start of base) {
    let el: Element | null = start;
    if (source.closest !== undefined) el = closest(el, source.closest);
    if (el && source.find !== undefined) el = queryOne(el, source.find);
    const v = el ? valueOf(el, source) : undefined;
    if (v !== undefined) out.add(v);
  }
  return [...out];
}

function valueOf(el: Element, source: ValueSource): string | undefined {
  const raw = source.attribute !== undefined ? el.getAttribute(source.attribute) : el.textContent;
  const v = raw?.trim();
  return v ? v : undefined;
}

function asElement(scope: Scope): Element | null {
  const node = scope as unknown as Node;
  return node.nodeType === 1 ? (scope as unknown as Element) : null;
}
