/** Policy key requireKeyBackup (issue 6): first run's backup step cannot be skipped. */
import { describe, expect, it } from 'vitest';
import { effectiveConfig, lockedReasons, parseManagedPolicy } from '../../../lib/policy';
import schema from '../../../public/managed_schema.json';

describe('requireKeyBackup', () => {
  it('is off by default, on when policy says so (and locked), and cannot be set by the user', () => {
    expect(effectiveConfig({}, {}).config.requireKeyBackup).toBe(false);
    const { config, locked } = effectiveConfig({ requireKeyBackup: false } as never, { requireKeyBackup: true });
    expect(config.requireKeyBackup).toBe(true);
    expect(locked).toContain('requireKeyBackup');
    expect(effectiveConfig({ requireKeyBackup: true } as never, {}).config.requireKeyBackup).toBe(false);
  });

  it('a backup the policy forbids cannot be required', () => {
    expect(effectiveConfig({}, { requireKeyBackup: true, allowKeyBackup: false }).config.requireKeyBackup).toBe(false);
  });

  it('is validated like every key and is in the managed schema', () => {
    expect(parseManagedPolicy({ requireKeyBackup: true }).policy).toEqual({ requireKeyBackup: true });
    expect(parseManagedPolicy({ requireKeyBackup: 'yes' }).problems).toEqual([{ key: 'requireKeyBackup', reason: 'invalid value' }]);
    expect((schema as { properties: Record<string, { type: string }> }).properties.requireKeyBackup?.type).toBe('boolean');
  });
});

describe('lockedReasons', () => {
  it('gives every locked key a reason; sites carry theirs', () => {
    const effective = effectiveConfig({}, { prekeyTarget: 200, sitesEnabled: [{ host: 'chat.corp.test', locked: true }], forcedModes: { 'chat.corp.test': 'card' } });
    const reasons = lockedReasons(effective);
    expect(Object.keys(reasons).sort()).toEqual([...effective.locked].sort());
    expect(reasons.prekeyTarget).toMatch(/organisation/);
    expect(reasons['sites.chat.corp.test']).toBe(effective.config.sites.find((s) => s.host === 'chat.corp.test')?.lockedReason);
    expect(reasons['sites.chat.corp.test.mode']).toBeTruthy();
    expect(lockedReasons(effectiveConfig({}, {}))).toEqual({});
  });
});
