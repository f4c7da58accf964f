/**
 * Runtime validation of incoming requests. Senders are our own code, but a content script lives in a page's
 * renderer, so the worker checks shape and size of everything before a handler sees it.
 */
import * as z from 'zod/mini';
import { OvercryptError, ErrorCode } from '../errors';
import type { ApiRequest, RequestType } from './messages';
import { REQUEST_TYPES } from './messages';

/** Limits on request fields: large enough for real use, small enough to bound work per request. */
export const LIMITS = {
  shortText: 256,
  secret: 1024,
  plaintext: 64 * 1024,
  armorPart: 16 * 1024,
  armorParts: 64,
  /** All parts of one armor together. */
  armorTotal: 256 * 1024,
  /** Messages in one display region (one frame), and all their armor together. */
  regionItems: 250,
  regionTotal: 1024 * 1024,
  participants: 1000,
  list: 1000,
} as const;

const short = z.string().check(z.maxLength(LIMITS.shortText));
const nonEmptyShort = z.string().check(z.minLength(1), z.maxLength(LIMITS.shortText));
const secret = z.string().check(z.minLength(1), z.maxLength(LIMITS.secret));
const mode = z.enum(['card', 'forward-secret']);
const empty = z.strictObject({});

const armorLength = (parts: string[]) => parts.reduce((n, p) => n + p.length, 0);

const foundArmor = z.strictObject({
  parts: z
    .array(z.string().check(z.minLength(1), z.maxLength(LIMITS.armorPart)))
    .check(z.minLength(1), z.maxLength(LIMITS.armorParts), z.refine((parts) => armorLength(parts) <= LIMITS.armorTotal, 'armor too large')),
  pageAuthor: z.optional(short),
  heightPx: z.number().check(z.int(), z.gte(1), z.lte(4096)),
  inView: z.optional(z.boolean()),
});

const pageContext = z.strictObject({
  host: nonEmptyShort,
  adapterId: nonEmptyShort,
  namespace: nonEmptyShort,
  selfHandle: z.optional(short),
  conversation: z.optional(
    z.strictObject({ id: nonEmptyShort, kind: z.enum(['channel', 'direct', 'unknown']), title: z.optional(short) }),
  ),
  participants: z
    .array(z.strictObject({ handle: nonEmptyShort, displayName: z.optional(short) }))
    .check(z.maxLength(LIMITS.participants)),
  armorCount: z.optional(z.number().check(z.int(), z.gte(0))),
  maxMessageLength: z.optional(z.number().check(z.int(), z.gte(64), z.lte(1_000_000))),
});

const userSettings = z.strictObject({
  directoryUrl: z.optional(z.url()),
  autoLockMinutes: z.optional(z.number().check(z.int(), z.gte(1), z.lte(24 * 60))),
  prekeyTarget: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1000))),
  sites: z.optional(z.record(nonEmptyShort, z.strictObject({ enabled: z.boolean(), mode: z.optional(mode) }))),
  conversations: z.optional(z.record(nonEmptyShort, z.boolean())),
  securityPattern: z.optional(short),
});

const registerBase = {
  directoryUrl: z.optional(z.url()),
  identity: nonEmptyShort,
  password: secret,
  passphrase: secret,
  securityPattern: z.optional(short),
};

// One schema per request type; the record type makes a missing one a compile error.
const schemas: { [K in RequestType]: z.ZodMiniType } = {
  'status/get': empty,
  'vault/unlock': z.strictObject({ passphrase: secret }),
  'vault/lock': empty,
  'vault/changePassphrase': z.strictObject({ oldPassphrase: secret, newPassphrase: secret }),
  'account/register': z.strictObject({ ...registerBase, invite: z.optional(short) }),
  'account/restore': z.strictObject({ ...registerBase, backupPassword: secret }),
  'account/logout': z.strictObject({ revokeCard: z.boolean(), confirmWithoutBackup: z.optional(z.boolean()) }),
  'directory/check': z.strictObject({ url: z.url({ protocol: /^https?$/ }) }),
  'page/context': z.strictObject({ context: pageContext }),
  'page/status': z.strictObject({ host: nonEmptyShort, conversationId: z.optional(nonEmptyShort) }),
  'tab/status': z.strictObject({ tabId: z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)) }),
  'page/setEncryption': z.strictObject({ host: nonEmptyShort, conversationId: nonEmptyShort, on: z.boolean() }),
  'armor/found': z.strictObject({
    host: nonEmptyShort,
    conversationId: z.optional(nonEmptyShort),
    items: z
      .array(foundArmor)
      .check(
        z.minLength(1),
        z.maxLength(LIMITS.regionItems),
        z.refine((items) => items.reduce((n, i) => n + armorLength(i.parts), 0) <= LIMITS.regionTotal, 'region too large'),
      ),
  }),
  'compose/open': z.strictObject({ host: nonEmptyShort, conversationId: nonEmptyShort }),
  'compose/output': z.strictObject({ jobId: nonEmptyShort }),
  'compose/block': z.strictObject({ jobId: nonEmptyShort, reason: z.enum(['siteBoxChanged', 'frameGone']) }),
  'job/release': z.strictObject({ handleOrJobId: nonEmptyShort }),
  'display/open': z.strictObject({ handle: nonEmptyShort }),
  'display/await': empty,
  'display/toSpare': z.strictObject({ handle: nonEmptyShort }),
  'display/fetch': z.strictObject({
    jobId: nonEmptyShort,
    indices: z.array(z.number().check(z.int(), z.gte(0), z.lt(LIMITS.regionItems))).check(z.minLength(1), z.maxLength(LIMITS.regionItems)),
    reveal: z.optional(z.boolean()),
    background: z.optional(z.boolean()),
  }),
  'compose/claim': z.strictObject({ handle: nonEmptyShort }),
  'compose/approve': z.strictObject({
    jobId: nonEmptyShort,
    cardIds: z.array(nonEmptyShort).check(z.maxLength(LIMITS.list)),
  }),
  'compose/submit': z.strictObject({
    jobId: nonEmptyShort,
    plaintext: z.string().check(z.minLength(1), z.maxLength(LIMITS.plaintext)),
  }),
  'contacts/list': empty,
  'contacts/verify': z.strictObject({ identity: nonEmptyShort, verified: z.boolean() }),
  'contacts/safetyNumber': z.strictObject({ identity: nonEmptyShort }),
  'devices/list': empty,
  'devices/revoke': z.strictObject({ cardId: nonEmptyShort }),
  'prekeys/status': empty,
  'prekeys/rotate': empty,
  'backup/status': empty,
  'backup/create': z.strictObject({ backupPassword: secret }),
  'backup/changePassword': z.strictObject({ oldPassword: secret, newPassword: secret }),
  'sites/list': empty,
  'sites/toggle': z.strictObject({ host: nonEmptyShort, enabled: z.boolean(), mode: z.optional(mode) }),
  'settings/get': empty,
  'settings/set': z.strictObject({ patch: userSettings }),
};

export function isRequestType(t: unknown): t is RequestType {
  return typeof t === 'string' && (REQUEST_TYPES as readonly string[]).includes(t);
}

/** Returns the request typed, or throws Malformed (never echoing field values: they may be secrets). */
export function parseRequest(raw: unknown): ApiRequest {
  if (typeof raw !== 'object' || raw === null) throw new OvercryptError(ErrorCode.Malformed, 'request is not an object');
  const { type, ...fields } = raw as { type?: unknown };
  if (!isRequestType(type)) throw new OvercryptError(ErrorCode.Malformed, 'unknown request type');
  const result = z.safeParse(schemas[type], fields);
  if (!result.success) {
    const paths = result.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new OvercryptError(ErrorCode.Malformed, `invalid ${type} request: ${[...new Set(paths)].join(', ')}`);
  }
  return { type, ...(result.data as object) } as ApiRequest;
}

export { userSettings as userSettingsSchema, pageContext as pageContextSchema };
