/**
 * Host → adapter: built-in adapters, plus declarative ones from policy (which replace a built-in with the
 * same id), with the generic adapter as the fallback for any page.
 */
import { createAdapter, type SiteAdapter } from './adapter';
import { GENERIC } from './adapters/generic';
import { THE_LOUNGE } from './adapters/thelounge';
import { BUILTIN_HOOKS, type SiteHooks } from './hooks';
import { parseAdapterSpec, type SiteAdapterSpec } from './spec';

export const BUILTIN_SPECS: readonly SiteAdapterSpec[] = [THE_LOUNGE];

export interface SpecProblem {
  /** Index in `extraSpecs`. */
  index: number;
  id?: string;
  problems: string[];
}

export interface SiteRegistry {
  /** Site-specific adapters, policy ones first; the generic adapter is not listed. */
  readonly adapters: readonly SiteAdapter[];
  readonly generic: SiteAdapter;
  /** Extra specs that were rejected (and ignored), with reasons. */
  readonly problems: readonly SpecProblem[];
  byId(id: string): SiteAdapter | undefined;
  /**
   * The adapter for a page: one listing the host (and whose `detect` matches, if it has one), else one
   * without hosts whose `detect` matches the document, else the generic adapter.
   */
  forPage(doc: Document): SiteAdapter;
}

export interface RegistryOptions {
  /** Declarative specs from policy or the user: objects or JSON text. Invalid ones are reported, not thrown. */
  extraSpecs?: readonly unknown[];
  /** Hook sets specs may name (default: the built-in ones). */
  hooks?: Readonly<Record<string, SiteHooks>>;
}

export function createSiteRegistry(options: RegistryOptions = {}): SiteRegistry {
  const hooks = options.hooks ?? BUILTIN_HOOKS;
  const problems: SpecProblem[] = [];
  const extra: SiteAdapterSpec[] = [];
  (options.extraSpecs ?? []).forEach((raw, index) => {
    const parsed = parseAdapterSpec(raw);
    if (!parsed.ok) return void problems.push({ index, problems: parsed.problems });
    const { spec } = parsed;
    if (spec.id === GENERIC.id) return void problems.push({ index, id: spec.id, problems: ['the generic adapter cannot be replaced'] });
    if (spec.hooks !== undefined && !hooks[spec.hooks]) return void problems.push({ index, id: spec.id, problems: [`unknown hooks "${spec.hooks}"`] });
    if (!spec.match.hosts?.length && spec.match.detect === undefined) {
      return void problems.push({ index, id: spec.id, problems: ['match needs hosts or detect'] });
    }
    const dup = extra.findIndex((s) => s.id === spec.id);
    if (dup >= 0) extra.splice(dup, 1); // the later one wins
    extra.push(spec);
  });
  const overridden = new Set(extra.map((s) => s.id));
  const specs = [...extra, ...BUILTIN_SPECS.filter((s) => !overridden.has(s.id))];
  const adapters = specs.map((s) => createAdapter(s, s.hooks === undefined ? {} : hooks[s.hooks]));
  const generic = createAdapter(GENERIC);

  return {
    adapters,
    generic,
    problems,
    byId: (id) => (id === generic.id ? generic : adapters.find((a) => a.id === id)),
    forPage(doc) {
      const host = hostOf(doc);
      const byHost = adapters.find((a) => host !== undefined && a.matchesHost(host) && a.detect(doc));
      if (byHost) return byHost;
      const byMarkup = adapters.find((a) => !a.spec.match.hosts?.length && a.spec.match.detect !== undefined && a.detect(doc));
      return byMarkup ?? generic;
    },
  };
}

function hostOf(doc: Document): string | undefined {
  try {
    return new URL(doc.URL).host;
  } catch {
    return undefined;
  }
}
