import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  applyUserPatch,
  DEFAULTS,
  effectiveConfig,
  isEncryptionOn,
  parseManagedPolicy,
  POLICY_KEYS,
  conversationKey,
} from '../../../lib/policy';
import { isError, ErrorCode } from '../../../lib/errors';

describe('managed policy parsing', () => {
  it('keeps valid keys and reports unknown or invalid ones without dropping the rest', () => {
    const { policy, problems } = parseManagedPolicy({
      directoryUrl: 'https://dir.corp.example',
      autoLockMinutes: 0, // below 1: invalid
      prekeyTarget: 150,
      surprise: true,
      forcedModes: { 'Chat.Corp.Example': 'card' },
    });
    expect(policy).toEqual({
      directoryUrl: 'https://dir.corp.example',
      prekeyTarget: 150,
      forcedModes: { 'chat.corp.example': 'card' },
    });
    expect(problems.map((p) => p.key).sort()).toEqual(['autoLockMinutes', 'surprise']);
  });

  it('refuses a non-http directory URL and a malformed org card id', () => {
    const { policy, problems } = parseManagedPolicy({ directoryUrl: 'javascript:alert(1)', orgCardId: 'xyz' });
    expect(policy).toEqual({});
    expect(problems).toHaveLength(2);
  });

  it('treats an absent policy as empty', () => {
    expect(parseManagedPolicy(undefined)).toEqual({ policy: {}, problems: [] });
  });

  it('public/managed_schema.json declares exactly the keys the worker understands, with Chrome-valid types', () => {
    const schema = JSON.parse(readFileSync('public/managed_schema.json', 'utf8'));
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBeUndefined();
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(POLICY_KEYS).sort());
    const chromeTypes = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object']);
    const walk = (s: Record<string, any>): void => {
      expect(chromeTypes.has(s.type)).toBe(true);
      Object.values(s.properties ?? {}).forEach((x) => walk(x as Record<string, any>));
      if (s.items) walk(s.items);
      if (s.additionalProperties) walk(s.additionalProperties);
    };
    walk(schema);
  });
});

describe('effective config', () => {
  it('policy over user settings over defaults, and policy keys are locked', () => {
    const { config, locked } = effectiveConfig(
      { directoryUrl: 'http://user.example', autoLockMinutes: 30, prekeyTarget: 50 },
      { directoryUrl: 'https://policy.example', prekeyTarget: 200 },
    );
    expect(config.directoryUrl).toBe('https://policy.example');
    expect(config.prekeyTarget).toBe(200);
    expect(config.autoLockMinutes).toBe(30);
    expect(config.allowKeyBackup).toBe(DEFAULTS.allowKeyBackup);
    expect(locked.sort()).toEqual(['directoryUrl', 'prekeyTarget']);
  });

  it('defaults when neither source says anything', () => {
    const { config, locked } = effectiveConfig({}, {});
    expect(config).toMatchObject({ directoryUrl: DEFAULTS.directoryUrl, autoLockMinutes: 15, prekeyTarget: 100, sites: [] });
    expect(locked).toEqual([]);
  });

  it('a locked site stays on even when the user turned it off; an unlocked policy site can be turned off', () => {
    const { config, locked } = effectiveConfig(
      { sites: { 'a.example': { enabled: false }, 'b.example': { enabled: false } } },
      { sitesEnabled: [{ host: 'a.example', locked: true }, { host: 'b.example' }] },
    );
    const a = config.sites.find((s) => s.host === 'a.example')!;
    const b = config.sites.find((s) => s.host === 'b.example')!;
    expect(a).toMatchObject({ enabled: true, locked: true });
    expect(a.lockedReason).toBeTruthy();
    expect(b).toMatchObject({ enabled: false, locked: false });
    expect(locked).toContain('sites.a.example');
    expect(locked).not.toContain('sites.b.example');
  });

  it('a forced mode locks the mode and forces encryption on in every conversation of the site', () => {
    const { config, locked } = effectiveConfig(
      { sites: { 'chat.example': { enabled: true, mode: 'forward-secret' } } },
      { forcedModes: { 'chat.example': 'card' } },
    );
    expect(config.sites[0]).toMatchObject({ host: 'chat.example', mode: 'card', locked: true });
    expect(locked).toContain('sites.chat.example.mode');
    expect(isEncryptionOn(config, 'chat.example', '#any')).toBe(true);
  });

  it('encryption per conversation follows the user toggle, only on enabled sites', () => {
    const user = {
      sites: { 'x.example': { enabled: true }, 'off.example': { enabled: false } },
      conversations: { [conversationKey('x.example', '#a')]: true, [conversationKey('off.example', '#a')]: true },
    };
    const { config } = effectiveConfig(user, {});
    expect(isEncryptionOn(config, 'x.example', '#a')).toBe(true);
    expect(isEncryptionOn(config, 'x.example', '#b')).toBe(false);
    expect(isEncryptionOn(config, 'off.example', '#a')).toBe(false);
  });
});

describe('user changes against locked keys', () => {
  const { locked } = effectiveConfig(
    {},
    { autoLockMinutes: 5, sitesEnabled: [{ host: 'a.example', locked: true }], forcedModes: { 'a.example': 'card' } },
  );

  it('refuses a change to a policy key with Forbidden naming the key', () => {
    try {
      applyUserPatch({}, { autoLockMinutes: 60 }, locked);
      expect.unreachable();
    } catch (e) {
      expect(isError(e, ErrorCode.Forbidden)).toBe(true);
      expect((e as Error).message).toContain('autoLockMinutes');
    }
    expect(() => applyUserPatch({}, { sites: { 'a.example': { enabled: false } } }, locked)).toThrow();
    expect(() => applyUserPatch({}, { sites: { 'a.example': { enabled: true, mode: 'forward-secret' } } }, locked)).toThrow();
  });

  it('accepts changes to free keys and merges maps', () => {
    const next = applyUserPatch(
      { sites: { 'b.example': { enabled: true } }, conversations: { k1: true } },
      { prekeyTarget: 120, sites: { 'C.example': { enabled: true } }, conversations: { k2: false } },
      locked,
    );
    expect(next).toEqual({
      prekeyTarget: 120,
      sites: { 'b.example': { enabled: true }, 'c.example': { enabled: true } },
      conversations: { k1: true, k2: false },
    });
  });
});
