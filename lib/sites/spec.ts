/**
 * Declarative site adapters: what Overcrypt needs to know about a chat page, as data (CSS selectors and a
 * few options) so an administrator can add or fix a site by policy without a release. Validated here;
 * code hooks (lib/sites/hooks.ts) are referenced by name only, never shipped in a spec.
 */
import * as z from 'zod/mini';
import { ErrorCode, OvercryptError } from '../errors';

const MAX_SELECTOR = 512;
const selector = z.string().check(z.minLength(1), z.maxLength(MAX_SELECTOR));
const attributeName = z.string().check(z.regex(/^[a-zA-Z_:][-a-zA-Z0-9_:.]{0,63}$/));
/** A host pattern: "chat.example.com", "*.example.com", with an optional port ("127.0.0.1:9000"). */
const hostPattern = z.string().check(z.maxLength(260), z.regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i));

/**
 * Where a value is read: `selector` (relative to the scope the field documents; absent = the scope itself),
 * optionally `closest` (walk up from there) then `find` (look down again), then an `attribute` or, without one,
 * the trimmed textContent.
 */
export const ValueSourceSchema = z.object({
  selector: z.optional(selector),
  closest: z.optional(selector),
  find: z.optional(selector),
  attribute: z.optional(attributeName),
});
export type ValueSource = z.infer<typeof ValueSourceSchema>;

export const SiteAdapterSpecSchema = z.object({
  /** Stable id, e.g. "thelounge"; a policy spec with a built-in's id replaces the built-in. */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/)),
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  match: z.object({
    /** Hosts this adapter applies to. Empty: any enabled host, decided by `detect`. */
    hosts: z.optional(z.array(hostPattern).check(z.maxLength(100))),
    /** A selector that must match for the page to be this site (self-hosted apps run on any host). */
    detect: z.optional(selector),
  }),
  compose: z.object({
    /** The site's message box (textarea, input or contenteditable), searched in the document. */
    input: selector,
    /** The send button; absent: send with `sendKey`. */
    sendButton: z.optional(selector),
    /** Prefer the key over the button (some sites' buttons do more than send). */
    preferKey: z.optional(z.boolean()),
    sendKey: z.optional(z.enum(['Enter', 'Ctrl+Enter'])),
  }),
  messages: z.optional(
    z.object({
      /** One rendered message, searched in the conversation container (or the document). */
      item: selector,
      /** The message text inside an item (its textContent, elements and all); absent: the item itself. */
      text: z.optional(selector),
      /** Scope: the item. */
      sender: z.optional(ValueSourceSchema),
      /** Scope: the item. */
      time: z.optional(ValueSourceSchema),
      /** The page's own id of the message. Scope: the item. */
      pageId: z.optional(ValueSourceSchema),
      /** An item matching this selector is the user's own message. */
      self: z.optional(selector),
    }),
  ),
  conversation: z.optional(
    z.object({
      /** The open conversation's container, searched in the document; the first match is the open one. */
      container: selector,
      /** The conversation's name as the page shows it (channel, DM peer). Scope: the container. */
      id: ValueSourceSchema,
      /** Group or direct: read a value (scope: the container) and look it up in `kinds`. */
      kind: z.optional(z.object({ source: ValueSourceSchema, values: z.record(z.string(), z.enum(['group', 'direct'])) })),
      /** Members of a group conversation (scope: the container). A direct conversation's peer is its id. */
      participants: z.optional(ValueSourceSchema),
    }),
  ),
  /** The user's own handle (scope: the document). */
  ownHandle: z.optional(ValueSourceSchema),
  /** Identity namespace: "host" (the page's host) or a value read from the page (scope: the document). */
  namespace: z.union([z.literal('host'), z.object({ source: ValueSourceSchema, fallbackToHost: z.optional(z.boolean()) })]),
  /** How handles compare: IRC's rfc1459 casemapping, plain ASCII case-folding, or exact. */
  handleCase: z.optional(z.enum(['rfc1459', 'ascii', 'exact'])),
  limits: z.object({
    /** Longest message the site delivers whole (unit below); longer ones must be split into parts. */
    maxMessageLength: z.number().check(z.int(), z.gte(16), z.lte(1_000_000)),
    unit: z.enum(['utf8-bytes', 'chars']),
    /** Each line of a multi-line message is sent as its own message. */
    splitsLines: z.optional(z.boolean()),
    /** Text must not start with these (e.g. "/" runs an IRC command). */
    forbiddenPrefixes: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(8))).check(z.maxLength(16))),
  }),
  /** Named code hooks from lib/sites/hooks.ts (a spec can reuse them, never bring code). */
  hooks: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,64}$/))),
});
export type SiteAdapterSpec = z.infer<typeof SiteAdapterSpecSchema>;

export type SpecParseResult = { ok: true; spec: SiteAdapterSpec } | { ok: false; problems: string[] };

const MAX_SPEC_JSON = 64 * 1024;

/** Validates a spec given as an object or JSON text (policy carries them as strings). Never throws. */
export function parseAdapterSpec(input: unknown): SpecParseResult {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_SPEC_JSON) return { ok: false, problems: ['spec larger than 64 KiB'] };
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, problems: ['not valid JSON'] };
    }
  }
  const parsed = z.safeParse(SiteAdapterSpecSchema, value);
  if (parsed.success) return { ok: true, spec: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
  };
}

/** Like parseAdapterSpec but throws `Malformed` — for built-in specs, where a bad one is a bug. */
export function defineAdapterSpec(spec: SiteAdapterSpec): SiteAdapterSpec {
  const result = parseAdapterSpec(spec);
  if (!result.ok) throw new OvercryptError(ErrorCode.Malformed, `invalid site adapter "${spec.id}": ${result.problems.join('; ')}`);
  return result.spec;
}
