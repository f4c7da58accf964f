/**
 * The popup, options tab and first-run tab on the built extension in Debian Chromium.
 *
 * 1. "screens": every screen with a stubbed worker in the page (tests/e2e/stub-worker.ts), at the popup's size
 *    (380x560) and in a tab, with a screenshot of each in test-results/screens/ for a human to look at.
 * 2. "real worker": first run driven through the UI against the real worker and a real directory server;
 *    measures first-run tab -> card published. Skips (with the worker's answer as the reason) while the worker's
 *    registration engine is not wired.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExtension } from '../harness/build-extension';
import { directoryAvailable, startDirectory, type Directory } from '../harness/directory';
import { launchExtensionBrowser, type ExtensionBrowser } from '../fixture/extension-browser';
import { installStubWorker, type StubScenario } from './stub-worker';
import { activeCards, claimPrekeys, unclaimedPrekeys } from './directory-db';

const SCREENS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screens');
const POPUP = { width: 380, height: 560 };
const FIRST_RUN = 'firstrun.html';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let extensionDir = '';
let browser: ExtensionBrowser | undefined;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  extensionDir = (await buildExtension()).dir;
  await mkdir(SCREENS, { recursive: true });
});

test.afterAll(async () => {
  await browser?.close();
});

async function ensureBrowser(): Promise<ExtensionBrowser> {
  browser ??= await launchExtensionBrowser({ extensionDir, name: 'popup-e2e' });
  return browser;
}

async function stubbedPage(pagePath: string, scenario: Partial<StubScenario>, size = POPUP): Promise<Page> {
  const b = await ensureBrowser();
  const page = await b.context.newPage();
  await page.setViewportSize(size);
  await page.addInitScript(installStubWorker, {
    registered: true, locked: false, backupExists: true, policy: false, now: Date.now(), ...scenario,
  } satisfies StubScenario);
  await page.goto(b.extensionUrl(pagePath));
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

test.describe('screens (stubbed worker)', () => {
  test('popup: locked -> wrong passphrase -> unlocked, every tab, keyboard navigation', async () => {
    const page = await stubbedPage('popup.html', { locked: true });
    await expect(page.getByRole('heading', { name: 'Overcrypt is locked' })).toBeVisible();
    await expect(page.getByLabel('Passphrase')).toBeFocused();
    await shot(page, '01-popup-locked');
    await page.getByLabel('Passphrase').fill('wrong');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toContainText('WrongPassword');
    await shot(page, '02-popup-unlock-error');
    await page.getByLabel('Passphrase').fill('correct horse battery');
    await page.keyboard.press('Enter');

    await expect(page.getByRole('tab', { name: 'Status' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('current-host')).toHaveText('127.0.0.1:9000');
    await expect(page.getByText('thelounge')).toBeVisible();
    await shot(page, '03-popup-status');

    // Keyboard: focus the selected tab, arrows move the selection.
    await page.getByRole('tab', { name: 'Status' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: 'Keys' })).toBeFocused();
    await expect(page.getByText('23 of 100 one-time keys are on the directory')).toBeVisible();
    await shot(page, '04-popup-keys');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await expect(page.getByText(/Done: 100 of 100/)).toBeVisible();
    await shot(page, '05-popup-keys-rotated');

    await page.keyboard.press('Tab'); // leave the button; go back to the tab list by clicking
    await page.getByRole('tab', { name: 'Devices' }).click();
    await page.getByRole('button', { name: /Revoke the device 91c4/ }).click();
    await expect(page.getByRole('alertdialog')).toContainText('cannot be undone');
    await shot(page, '06-popup-devices-confirm');
    await page.getByRole('button', { name: 'Revoke device' }).click();
    await expect(page.getByTestId('device')).toHaveCount(1);

    await page.getByRole('tab', { name: 'Contacts' }).click();
    await expect(page.getByTestId('contact').first()).toContainText('bob@irc.local');
    await shot(page, '07-popup-contacts');
    await page.getByRole('button', { name: 'Open bob@irc.local' }).click();
    await expect(page.getByText('The identity key of bob@irc.local changed')).toBeVisible();
    await expect(page.locator('.digit-group')).toHaveCount(12);
    await expect(page.locator('svg.qr')).toBeVisible();
    await shot(page, '08-popup-contact-key-changed');
    await page.getByRole('button', { name: 'The new numbers match: verify again' }).click();
    await expect(page.getByText('bob@irc.local is verified.')).toBeVisible();
    await shot(page, '09-popup-contact-verified');

    await page.getByRole('tab', { name: 'Backup' }).click();
    await expect(page.getByTestId('backup-state')).toContainText('Backed up');
    await shot(page, '10-popup-backup');
    await page.getByRole('tab', { name: 'Sites' }).click();
    await expect(page.getByTestId('site')).toHaveCount(2);
    await shot(page, '11-popup-sites');
    await page.getByRole('tab', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Log out…' }).click();
    await expect(page.getByRole('alertdialog')).toContainText('You can restore your keys later');
    await shot(page, '12-popup-account-logout');
    await page.close();
  });

  test('popup with policy and no backup: locked settings, locked site, loud logout warning', async () => {
    const page = await stubbedPage('popup.html', { policy: true, backupExists: false });
    await page.getByRole('tab', { name: 'Keys' }).click();
    await expect(page.getByLabel('One-time keys to keep on the directory')).toBeDisabled();
    await shot(page, '13-popup-keys-policy');
    await page.getByRole('tab', { name: 'Sites' }).click();
    await expect(page.getByLabel('chat.corp.example')).toBeDisabled();
    await expect(page.getByText('Enabled and locked by Corp IT policy.')).toBeVisible();
    await shot(page, '14-popup-sites-policy');
    await page.getByRole('tab', { name: 'Backup' }).click();
    await expect(page.getByText('Your organisation also keeps an encrypted copy')).toBeVisible();
    await shot(page, '15-popup-backup-none');
    await page.getByRole('tab', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Log out…' }).click();
    await expect(page.getByText('You have no backup')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete keys and log out' })).toBeDisabled();
    await shot(page, '16-popup-logout-no-backup');
    await page.close();
  });

  test('popup before setup, and the options page in a tab', async () => {
    const page = await stubbedPage('popup.html', { registered: false, locked: true });
    await expect(page.getByRole('button', { name: 'Set up Overcrypt' })).toBeVisible();
    await shot(page, '17-popup-not-registered');
    await page.close();
    const tab = await stubbedPage('options.html#contacts', {}, { width: 1100, height: 800 });
    await expect(tab.getByRole('tab', { name: 'Contacts' })).toHaveAttribute('aria-selected', 'true');
    await shot(tab, '18-options-tab-contacts');
    await tab.close();
  });

  test('first run: every step, with the directory locked by policy', async () => {
    const page = await stubbedPage(FIRST_RUN, { registered: false, locked: true, policy: true, backupExists: false }, { width: 1000, height: 800 });
    await shot(page, '20-firstrun-welcome');
    await page.getByRole('button', { name: /Create a new account/ }).click();
    await expect(page.getByLabel('Directory address')).toBeDisabled();
    await expect(page.getByText('The directory answers')).toBeVisible();
    await shot(page, '21-firstrun-directory-policy');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Account name').fill('alice@corp.example');
    await page.getByLabel('Account password', { exact: true }).fill('account password 1');
    await page.getByLabel('Repeat the account password').fill('account password 1');
    await shot(page, '22-firstrun-account');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Passphrase', { exact: true }).fill('local passphrase');
    await page.getByLabel('Repeat the passphrase').fill('local passphrase');
    await shot(page, '23-firstrun-passphrase');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Your security pattern' })).toBeVisible();
    await shot(page, '24-firstrun-pattern');
    await page.getByRole('button', { name: 'Create my keys' }).click();
    await expect(page.getByRole('heading', { name: 'Back up your keys' })).toBeVisible();
    await shot(page, '25-firstrun-backup');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await expect(page.getByTestId('firstrun-done')).toBeVisible();
    await shot(page, '26-firstrun-done');
    await page.close();
  });
});

test.describe('real worker', () => {
  const ALICE = 'alice@irc.local';
  const BACKUP_PASSWORD = 'backup password 9';
  let directory: Directory | undefined;
  let alice2: ExtensionBrowser | undefined;
  /** Set once registration through the UI worked; later flows build on it. */
  let aliceCard: string | undefined;

  test.afterAll(async () => {
    await alice2?.close();
    await directory?.stop();
  });

  async function fillFirstRun(page: Page, path: 'create' | 'restore'): Promise<void> {
    await page.setViewportSize({ width: 1000, height: 800 });
    await page.getByRole('button', { name: path === 'create' ? /Create a new account/ : /I already use Overcrypt/ }).click();
    await page.getByLabel('Directory address').fill(directory!.url);
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.getByTestId('directory-check')).toContainText('The directory answers', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Account name').fill(ALICE);
    await page.getByLabel('Account password', { exact: true }).fill('account password 1');
    if (path === 'create') await page.getByLabel('Repeat the account password').fill('account password 1');
    else await page.getByLabel('Backup password').fill(BACKUP_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Passphrase', { exact: true }).fill('local passphrase');
    await page.getByLabel('Repeat the passphrase').fill('local passphrase');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Create my keys' }).click();
  }

  /** Waits for the step after key creation, or skips the test when the worker cannot register yet. */
  async function expectCreated(page: Page, next: RegExp | string, shotName: string): Promise<void> {
    const outcome = await Promise.race([
      page.getByRole('heading', { name: next }).waitFor({ timeout: 90_000 }).then(() => 'ok' as const),
      page.getByRole('alert').waitFor({ timeout: 90_000 }).then(() => 'error' as const),
    ]);
    if (outcome === 'ok') return;
    const why = (await page.getByRole('alert').innerText()).replace(/\s+/g, ' ');
    await shot(page, shotName);
    test.skip(/not available in this build|not (yet )?wired/i.test(why), `worker registration not available yet: ${why}`);
    throw new Error(`key creation failed: ${why}`);
  }

  test('first run opens on install, registers through the UI, makes a backup; the popup shows this device', async () => {
    test.skip(!directoryAvailable(), 'directory server not in this checkout');
    directory = await startDirectory();
    const b = await ensureBrowser();
    const before = await b.openPopup();
    await before.setViewportSize(POPUP);
    await expect(before.getByRole('button', { name: 'Set up Overcrypt' })).toBeVisible();
    await before.close();

    const page = await b.waitForExtensionTab(FIRST_RUN);
    const started = performance.now();
    // Record the worker's progress pushes as the first-run page receives them (what its step list shows).
    await page.evaluate(() => {
      const seen: string[] = [];
      (globalThis as unknown as { ocProgress: string[] }).ocProgress = seen;
      const chrome = (globalThis as unknown as { chrome: { runtime: { onMessage: { addListener(f: (m: unknown) => void): void } } } }).chrome;
      chrome.runtime.onMessage.addListener((m) => {
        const p = m as { push?: string; op?: string; step?: string };
        if (p?.push === 'progress' && p.op === 'account/register' && p.step) seen.push(p.step);
      });
    });
    await fillFirstRun(page, 'create');
    await expectCreated(page, 'Back up your keys', '31-real-firstrun-register-error');
    const publishedMs = performance.now() - started;
    const steps = await page.evaluate(() => (globalThis as unknown as { ocProgress: string[] }).ocProgress);
    expect(steps).toEqual(['identityKey', 'deviceCard', 'publish', 'prekeys']);
    aliceCard = activeCards(directory.dbFile, ALICE)[0];
    expect(aliceCard).toMatch(/^[0-9a-f]{64}$/);
    console.log(`first-run tab -> card published: ${Math.round(publishedMs)} ms (scripted typing included)`);
    await shot(page, '31-real-firstrun-backup');
    await page.getByLabel('Backup password', { exact: true }).fill(BACKUP_PASSWORD);
    await page.getByLabel('Repeat the backup password').fill(BACKUP_PASSWORD);
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page.getByText('Your backup is saved.')).toBeVisible({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByTestId('firstrun-done')).toBeVisible();

    const popup = await b.openPopup();
    await popup.setViewportSize(POPUP);
    await expect(popup.getByTestId('own-fingerprint')).not.toHaveText('—');
    await shot(popup, '32-real-popup-status');
    await popup.close();
  });

  test('rotate now tops the one-time prekeys on the directory back up to the target', async () => {
    test.skip(!aliceCard, 'needs the registered browser from the first test');
    const target = unclaimedPrekeys(directory!.dbFile, aliceCard!);
    expect(target).toBeGreaterThan(10);
    claimPrekeys(directory!.dbFile, aliceCard!, 30);
    expect(unclaimedPrekeys(directory!.dbFile, aliceCard!)).toBe(target - 30);

    const popup = await (await ensureBrowser()).openPopup();
    await popup.setViewportSize(POPUP);
    await popup.getByRole('tab', { name: 'Keys' }).click();
    await expect(popup.getByText(`${target - 30} of ${target} one-time keys are on the directory`)).toBeVisible({ timeout: 30_000 });
    await popup.getByRole('button', { name: 'Rotate now' }).click();
    await expect(popup.getByText(new RegExp(`Done: ${target} of ${target}`))).toBeVisible({ timeout: 60_000 });
    expect(unclaimedPrekeys(directory!.dbFile, aliceCard!)).toBe(target);
    await shot(popup, '33-real-popup-keys-rotated');
    await popup.close();
  });

  test('a second browser signs in and restores from the backup: a second device card is published', async () => {
    test.skip(!aliceCard, 'needs the registered browser from the first test');
    alice2 = await launchExtensionBrowser({ extensionDir, name: 'alice-second-device' });
    const page = await alice2.waitForExtensionTab(FIRST_RUN);
    await fillFirstRun(page, 'restore');
    await expect(page.getByTestId('firstrun-done')).toBeVisible({ timeout: 90_000 });
    await shot(page, '34-real-second-device-done');
    const cards = activeCards(directory!.dbFile, ALICE);
    expect(cards).toHaveLength(2);
    expect(cards).toContain(aliceCard);
  });

  test('revoking the second device from the first removes its card from the directory search', async () => {
    test.skip(!aliceCard || !alice2, 'needs both devices');
    const other = activeCards(directory!.dbFile, ALICE).find((c) => c !== aliceCard)!;
    const popup = await (await ensureBrowser()).openPopup();
    await popup.setViewportSize(POPUP);
    await popup.getByRole('tab', { name: 'Devices' }).click();
    await expect(popup.getByTestId('device')).toHaveCount(2, { timeout: 30_000 });
    await popup.getByRole('button', { name: /Revoke the device/ }).click();
    await shot(popup, '35-real-popup-revoke-confirm');
    await popup.getByRole('button', { name: 'Revoke device' }).click();
    await expect(popup.getByTestId('device')).toHaveCount(1, { timeout: 30_000 });
    expect(activeCards(directory!.dbFile, ALICE)).toEqual([aliceCard]);
    expect(activeCards(directory!.dbFile, ALICE)).not.toContain(other);
    await popup.close();
  });

  test('logging out wipes this browser: IndexedDB holds no records afterwards', async () => {
    test.skip(!alice2, 'needs the second device');
    const popup = await alice2!.openPopup();
    await popup.setViewportSize(POPUP);
    await popup.getByRole('tab', { name: 'Account' }).click();
    await popup.getByRole('button', { name: 'Log out…' }).click();
    await expect(popup.getByText('You can restore your keys later')).toBeVisible({ timeout: 30_000 });
    await popup.getByRole('button', { name: 'Delete keys and log out' }).click();
    await expect(popup.getByText(/Logged out/)).toBeVisible({ timeout: 30_000 });
    await expect(popup.getByRole('button', { name: 'Set up Overcrypt' })).toBeVisible();
    await shot(popup, '36-real-popup-logged-out');
    const records = await popup.evaluate(async () => {
      const counts: Record<string, number> = {};
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((ok, ko) => {
          const r = indexedDB.open(info.name!);
          r.onsuccess = () => ok(r.result);
          r.onerror = () => ko(r.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          counts[`${info.name}/${store}`] = await new Promise<number>((ok, ko) => {
            const r = db.transaction(store).objectStore(store).count();
            r.onsuccess = () => ok(r.result);
            r.onerror = () => ko(r.error);
          });
        }
        db.close();
      }
      return counts;
    });
    expect(Object.entries(records).filter(([, n]) => n > 0)).toEqual([]);
  });
});
