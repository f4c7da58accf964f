/** Policy key requireKeyBackup (issue 6): first run's backup step cannot be skipped. */
import { describe, expect, it } from 'vitest';
import { effectiveConfig, parseManagedPolicy } from '../../../lib/policy';
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
