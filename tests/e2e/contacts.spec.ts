/**
 * Contacts and verification through the real UI, with two browsers in The Lounge (issue 6):
 * bob verifies alice in the popup -> the badge on alice's message in bob's chat turns verified.
 *
 * FIXME (blocked outside the popup, seen 09:28 on 2026-11-25): first run, "Enable Overcrypt on this site" from the
 * popup and the status chip work; in alice's secure compose frame (1280x800 window) the frame extends below the
 * viewport, "Approve 1 new device" stays after a click and Enter does not send. Frames honour keys only while
 * fully visible, so the frame's size/position in The Lounge is the likely cause. Un-fixme once that is fixed.
 * Still to add after it: bob re-registers without a backup -> alice sees "Key changed!" in Contacts before sending.
 */
import { connectToLounge, expect, test, type ExtensionBrowser } from '../fixture';
import type { Page } from '@playwright/test';

const NETWORK = 'overcrypttest';
const POPUP = { width: 380, height: 560 };

async function firstRun(b: ExtensionBrowser, directoryUrl: string, nick: string): Promise<void> {
  const page = await b.waitForExtensionTab('firstrun.html');
  await page.getByRole('button', { name: /Create a new account/ }).click();
  await page.getByLabel('Directory address').fill(directoryUrl);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Account name').fill(`${nick}@${NETWORK}`);
  await page.getByLabel('Account password', { exact: true }).fill(`${nick} account password`);
  await page.getByLabel('Repeat the account password').fill(`${nick} account password`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(`${nick} passphrase`);
  await page.getByLabel('Repeat the passphrase').fill(`${nick} passphrase`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Create my keys' }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click({ timeout: 90_000 });
  await expect(page.getByTestId('firstrun-done')).toBeVisible();
  await page.close();
}

/** Turns encryption on in the open conversation (status chip) and sends one message through the secure compose frame. */
async function sendEncrypted(page: Page, text: string): Promise<void> {
  const chip = page.locator('[data-tone] >> visible=true').first();
  await expect(chip).toBeVisible({ timeout: 30_000 });
  if ((await chip.getAttribute('data-tone')) !== 'on') await chip.click();
  const frame = page.frameLocator('iframe[src*="compose-frame.html"]');
  const compose = frame.locator('textarea');
  await compose.fill(text, { timeout: 30_000 });
  // A recipient's device new to this conversation needs a click in the compose frame first.
  const approve = frame.getByRole('button', { name: /Approve/ });
  if (await approve.isVisible({ timeout: 5_000 }).catch(() => false)) {
    await approve.click();
  }
  await compose.press('Enter');
  await expect(compose).toHaveValue('', { timeout: 30_000 });
}

/** Enables Overcrypt on the chat site from the popup's Status tab (the popup looks at the last used web tab). */
async function enableSite(b: ExtensionBrowser, chat: Page): Promise<void> {
  await chat.bringToFront();
  const popup = await openPopup(b);
  await expect(popup.getByTestId('current-host')).toHaveText(new URL(chat.url()).host, { timeout: 30_000 });
  const enable = popup.getByRole('button', { name: 'Enable Overcrypt on this site' });
  if (await enable.isVisible()) await enable.click();
  await expect(enable).toBeHidden({ timeout: 30_000 });
  await popup.close();
  await chat.bringToFront();
}

async function openPopup(b: ExtensionBrowser): Promise<Page> {
  const popup = await b.openPopup();
  await popup.setViewportSize(POPUP);
  return popup;
}

test.fixme('verify a contact in the popup: the chat badge turns verified', async ({ stack, alice, bob }) => {
  test.setTimeout(300_000);
  test.skip(!stack.directory, 'needs the directory server');
  await firstRun(alice, stack.directory!.url, 'alice');
  await firstRun(bob, stack.directory!.url, 'bob');
  const a = await connectToLounge(await alice.context.newPage(), stack.lounge.url, 'alice');
  const b = await connectToLounge(await bob.context.newPage(), stack.lounge.url, 'bob');

  await enableSite(alice, a.page);
  await enableSite(bob, b.page);
  await sendEncrypted(a.page, 'hello bob, verify me');
  const badge = b.page.frameLocator('iframe[src*="display-frame.html"]').last().locator('[data-badge]');
  await expect(badge).toHaveAttribute('data-badge', 'firstSeen', { timeout: 60_000 });

  const popup = await openPopup(bob);
  await popup.getByRole('tab', { name: 'Contacts' }).click();
  await popup.getByRole('button', { name: `Open alice@${NETWORK}` }).click();
  await expect(popup.locator('.digit-group')).toHaveCount(12);
  await popup.getByRole('button', { name: 'The numbers match: mark as verified' }).click();
  await expect(popup.getByText(`alice@${NETWORK} is verified.`)).toBeVisible();
  await b.page.bringToFront();
  await b.page.reload();
  await b.openChannel('#overcrypt').catch(() => undefined);
  await expect(b.page.frameLocator('iframe[src*="display-frame.html"]').last().locator('[data-badge]')).toHaveAttribute(
    'data-badge', 'verified', { timeout: 60_000 },
  );
});
