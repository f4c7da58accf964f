/**
 * Managed (enterprise) policy: the keys an administrator may set, validated key by key so that one bad value
 * drops that key only (and is reported), never the whole policy. Mirrors public/managed_schema.json, which Chrome
 * validates first; this second check keeps the worker safe when the two drift or a value is nonsense.
 */
import * as z from 'zod/mini';
import type { EncryptionMode } from '../api/views';

const mode = z.enum(['card', 'forward-secret']);
const host = z.string().check(z.minLength(1), z.maxLength(253), z.regex(/^[a-z0-9.-]+(:\d{1,5})?$/i));
const httpUrl = z.url({ protocol: /^https?$/ });

/** One schema per policy key. */
export const POLICY_KEYS = {
  directoryUrl: httpUrl,
  /** Pin of the directory's app key (base64 of exportPublicKey): cards must carry its signature. */
  appPublicKey: z.string().check(z.minLength(1), z.maxLength(4096)),
  orgCardId: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  orgPublicKey: z.string().check(z.minLength(1), z.maxLength(4096)),
  /** How to form the user's identity, e.g. "{user}@corp.example"; shown pre-filled at first run. */
  identityHint: z.string().check(z.maxLength(256)),
  /** host -> mode; encryption is forced on for every conversation on that host, in that mode. */
  forcedModes: z.record(host, mode),
  /** Sites enabled by the administrator; `locked` means the user cannot turn them off. */
  sitesEnabled: z.array(z.object({ host, locked: z.optional(z.boolean()) })).check(z.maxLength(500)),
  /** Declarative site adapters, each one JSON object as a string (opaque here; lib/sites validates them). */
  extraSiteAdapters: z.array(z.string().check(z.maxLength(64 * 1024))).check(z.maxLength(100)),
  allowKeyBackup: z.boolean(),
  /** First run cannot skip the backup step (ignored when `allowKeyBackup` is false). */
  requireKeyBackup: z.boolean(),
  prekeyTarget: z.number().check(z.int(), z.gte(10), z.lte(1000)),
  autoLockMinutes: z.number().check(z.int(), z.gte(1), z.lte(24 * 60)),
} as const;

export type PolicyKey = keyof typeof POLICY_KEYS;

export interface ManagedPolicy {
  directoryUrl?: string;
  appPublicKey?: string;
  orgCardId?: string;
  orgPublicKey?: string;
  identityHint?: string;
  forcedModes?: Record<string, EncryptionMode>;
  sitesEnabled?: Array<{ host: string; locked?: boolean }>;
  extraSiteAdapters?: string[];
  allowKeyBackup?: boolean;
  requireKeyBackup?: boolean;
  prekeyTarget?: number;
  autoLockMinutes?: number;
}

export interface PolicyProblem {
  key: string;
  reason: string;
}

/** Keeps the valid keys; lists the rest (unknown or invalid) as problems. Never throws. */
export function parseManagedPolicy(raw: unknown): { policy: ManagedPolicy; problems: PolicyProblem[] } {
  const policy: Record<string, unknown> = {};
  const problems: PolicyProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { policy, problems: raw === undefined ? [] : [{ key: '(root)', reason: 'not an object' }] };
  }
  for (const [key, value] of Object.entries(raw)) {
    const schema = (POLICY_KEYS as Record<string, z.ZodMiniType>)[key];
    if (!schema) {
      problems.push({ key, reason: 'unknown policy key' });
      continue;
    }
    const parsed = z.safeParse(schema, value);
    if (parsed.success) policy[key] = parsed.data;
    else problems.push({ key, reason: 'invalid value' });
  }
  if (policy.forcedModes) policy.forcedModes = lowerKeys(policy.forcedModes as Record<string, EncryptionMode>);
  if (policy.sitesEnabled) {
    policy.sitesEnabled = (policy.sitesEnabled as Array<{ host: string; locked?: boolean }>).map((s) => ({
      ...s,
      host: s.host.toLowerCase(),
    }));
  }
  return { policy: policy as ManagedPolicy, problems };
}

function lowerKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}
