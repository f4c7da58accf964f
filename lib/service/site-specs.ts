/**
 * Which of the policy's extra site adapters a page needs. The content script builds its adapter registry with
 * them (`createSiteRegistry({ extraSpecs })`); sending only the ones that can apply to the page's host keeps the
 * page status small (policy allows 100 specs of 64 KiB) and tells a page nothing about the organisation's other
 * sites.
 */
import { hostMatches } from '../sites/adapter';
import { parseAdapterSpec } from '../sites/spec';

interface ParsedSpec {
  text: string;
  hosts: readonly string[];
  byMarkup: boolean;
}

/** Parsed once per policy value (the effective config keeps the policy's array until the policy changes). */
const parsedLists = new WeakMap<readonly unknown[], ParsedSpec[]>();

/**
 * Specs (JSON text, as in policy) that list `host`, or that list no hosts and match by markup. Invalid ones are
 * dropped here; the content script's registry would reject them anyway.
 */
export function siteSpecsForHost(specs: readonly unknown[], host: string): string[] {
  const h = host.toLowerCase();
  return parsed(specs)
    .filter((s) => (s.hosts.length === 0 ? s.byMarkup : s.hosts.some((p) => hostMatches(p.toLowerCase(), h))))
    .map((s) => s.text);
}

function parsed(specs: readonly unknown[]): ParsedSpec[] {
  let list = parsedLists.get(specs);
  if (list) return list;
  list = [];
  for (const raw of specs) {
    const result = parseAdapterSpec(raw);
    if (!result.ok) continue;
    const { match } = result.spec;
    list.push({ text: typeof raw === 'string' ? raw : JSON.stringify(raw), hosts: match.hosts ?? [], byMarkup: match.detect !== undefined });
  }
  parsedLists.set(specs, list);
  return list;
}
