import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests on the built extension in Debian Chromium (see tests/fixture). One worker: every test
 * starts two browsers and a loopback IRC stack, and the machine has 2 cores.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  workers: 1,
  retries: 0,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
  },
});
