/**
 * The directory server for a test file: started (crypto ready) before its tests, closed after them. The returned
 * object forwards to the running directory, so tests use it like the TestDirectory itself.
 */
import { afterAll, beforeAll } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { startTestDirectory, type TestDirectory, type TestDirectoryOptions } from '../../server/support/harness';

export function useTestDirectory(options?: TestDirectoryOptions): TestDirectory {
  let running: TestDirectory | undefined;
  beforeAll(async () => {
    await ensureCrypto();
    running = await startTestDirectory(options);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
  });
  return new Proxy({} as TestDirectory, {
    get(_, key) {
      if (!running) throw new Error('the test directory is not started yet (use it inside a test or hook)');
      const value = (running as unknown as Record<PropertyKey, unknown>)[key];
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}
