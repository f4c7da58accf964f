/**
 * Contacts and verification through the real popup, with two browsers in The Lounge (issue 6). Setting up the
 * accounts and the encrypted channel goes through the worker API (tests/fixture/lounge-crypto.ts; first run itself
 * is driven through the UI in popup.spec.ts); the flows under test go through the popup and our frames only:
 * - bob verifies alice on the safety-number screen -> alice's messages in bob's chat show the verified badge;
 * - bob re-registers without a backup (new identity key) -> before alice sends, her popup shows the key change
 *   loudly, her compose frame refuses to send, and only after she compares and verifies again does it go out.
 */
import type { Page, TestInfo } from '@playwright/test';
import { expect, reloadLounge, test, type ExtensionBrowser } from '../fixture';
import {
  LOUNGE_NAMESPACE,
  LOUNGE_USERS,
  callApi,
  composeFrame,
  composeInput,
  enableEncryption,
  enableSite,
  expectShown,
  registerAccount,
  sendEncrypted,
  startEncryptedChat,
} from '../fixture/lounge-crypto';

const POPUP = { width: 380, height: 560 };

test.use({ stackOptions: { loungeUsers: [...LOUNGE_USERS] } });

/** The popup as the toolbar opens it; it looks at the most recently used web tab (`chat`). */
async function openPopup(b: ExtensionBrowser, chat: Page): Promise<Page> {
  await chat.bringToFront();
  const popup = await b.openPopup();
  await popup.setViewportSize(POPUP);
  return popup;
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Contacts tab -> the contact -> safety number (12 groups of 5 digits and a QR code) -> "mark as verified". */
async function verifyInPopup(popup: Page, identity: string, testInfo: TestInfo, prefix: string, again = false): Promise<void> {
  await popup.getByRole('tab', { name: 'Contacts' }).click();
  await popup.getByRole('button', { name: `Open ${identity}` }).click();
  await expect(popup.locator('.digit-group')).toHaveCount(12);
  await shot(popup, testInfo, `${prefix}-safety-number`);
  await popup.getByRole('button', { name: again ? 'The new numbers match: verify again' : 'The numbers match: mark as verified' }).click();
  await expect(popup.getByText(`${identity} is verified.`)).toBeVisible({ timeout: 30_000 });
  await shot(popup, testInfo, `${prefix}-verified`);
}

test('verify a contact in the popup: the chat badge turns verified', async ({ stack, alice, bob }, testInfo) => {
  test.setTimeout(300_000);
  test.skip(!stack.directory, 'needs the directory server');
  const { a, b } = await startEncryptedChat(stack, { alice, bob }, { verify: false });
  const aliceId = `alice@${LOUNGE_NAMESPACE}`;

  await sendEncrypted(a.page, 'hello bob, verify me');
  await expectShown(b.page, { text: 'hello bob, verify me', author: aliceId, badge: 'firstSeen' });
  await b.page.screenshot({ path: testInfo.outputPath('bob-chat-first-seen.png') });

  const popup = await openPopup(bob, b.page);
  // Status: the chat tab as its content script reported it (tab/status): adapter, conversation, encryption on.
  await expect(popup.getByTestId('current-conversation')).toHaveText('#overcrypt', { timeout: 30_000 });
  await expect(popup.getByText('thelounge')).toBeVisible();
  await expect(popup.getByText('encrypted', { exact: true })).toBeVisible();
  await shot(popup, testInfo, 'bob-home');
  await popup.getByRole('tab', { name: 'Contacts' }).click();
  const row = popup.getByTestId('contact').filter({ hasText: aliceId });
  await expect(row).toContainText('Not verified');
  await shot(popup, testInfo, 'bob-contacts-before');
  await verifyInPopup(popup, aliceId, testInfo, 'bob');
  await popup.getByRole('button', { name: 'All contacts' }).click();
  await expect(row).toContainText('Verified');
  await popup.close();

  // The next message carries the verified badge, and so does the earlier one once the chat shows it again.
  await sendEncrypted(a.page, 'now you know it is me');
  await expectShown(b.page, { text: 'now you know it is me', author: aliceId, badge: 'verified' });
  await reloadLounge(b);
  await expectShown(b.page, { text: 'hello bob, verify me', author: aliceId, badge: 'verified' });
  await expectShown(b.page, { text: 'now you know it is me', author: aliceId, badge: 'verified' });
  await b.page.screenshot({ path: testInfo.outputPath('bob-chat-verified.png') });
});

test('key change: bob re-registers without a backup; alice sees it before sending and must verify again', async ({ stack, alice, bob }, testInfo) => {
  test.setTimeout(360_000);
  test.skip(!stack.directory, 'needs the directory server');
  const { a, b } = await startEncryptedChat(stack, { alice, bob }, { verify: true });
  const bobId = `bob@${LOUNGE_NAMESPACE}`;
  await sendEncrypted(a.page, 'before the change');
  await expectShown(b.page, { text: 'before the change', author: `alice@${LOUNGE_NAMESPACE}`, badge: 'verified' });

  // bob loses his browser data and sets up again without a backup: a new identity key for the same account.
  await callApi(bob, { type: 'account/logout', revokeCard: false, confirmWithoutBackup: true });
  await registerAccount(bob, { directoryUrl: stack.directory!.url, nick: 'bob' });
  await enableSite(bob, stack.lounge.url);

  // alice, before sending anything: the popup says so loudly on the chat's status and in Contacts.
  const popup = await openPopup(alice, a.page);
  await expect(popup.getByRole('alert').filter({ hasText: `The identity key of ${bobId} changed` })).toBeVisible({ timeout: 30_000 });
  await shot(popup, testInfo, 'alice-home-key-changed');
  await popup.getByRole('tab', { name: 'Contacts' }).click();
  const row = popup.getByTestId('contact').filter({ hasText: bobId });
  await expect(row).toContainText('Key changed!');
  await expect(row).toHaveClass(/alarm/);
  await shot(popup, testInfo, 'alice-contacts-key-changed');

  // The compose frame refuses to send to the changed key.
  const input = composeInput(a.page);
  await input.fill('after the change');
  await input.press('Enter');
  await expect(composeFrame(a.page).locator('[data-warning="keyChanged"]')).toBeVisible({ timeout: 30_000 });
  await expect(input).toHaveValue('after the change');
  await a.page.screenshot({ path: testInfo.outputPath('alice-compose-refused.png') });

  // alice compares the new safety number and verifies again: the explanation is on the contact's screen.
  await popup.getByRole('button', { name: `Open ${bobId}` }).click();
  await expect(popup.getByText(`The identity key of ${bobId} changed`)).toBeVisible();
  await shot(popup, testInfo, 'alice-contact-changed-explained');
  await popup.getByRole('button', { name: 'All contacts' }).click();
  await verifyInPopup(popup, bobId, testInfo, 'alice', true);
  await popup.close();

  // Now it goes out, to bob's new device (approved in the compose frame like any new device).
  // Keyboard activation: in The Lounge's 800 px window the frame's footer sits at the window's edge, where a
  // mouse click at the button's coordinates does not reach it (see the report; the frame layout is issue 5's).
  // The frame re-reads who can read when the worker announces the verification; "Check again" is only there
  // until it has.
  const checkAgain = composeFrame(a.page).getByRole('button', { name: 'Check again' });
  if (await checkAgain.isVisible()) await checkAgain.press('Enter');
  await expect(composeFrame(a.page).locator('[data-warning="keyChanged"]')).toHaveCount(0, { timeout: 30_000 });
  await composeFrame(a.page).getByRole('button', { name: 'Approve 1 new device' }).press('Enter');
  await expect(composeFrame(a.page).locator('.oc-recipients')).toHaveAttribute('data-devices', '2', { timeout: 30_000 });
  // Typing went on in the popup meanwhile: the frame asks to confirm nothing went into the page.
  const carryOn = composeFrame(a.page).getByRole('button', { name: 'Continue' });
  if (await carryOn.isVisible()) await carryOn.press('Enter');
  await input.press('Enter');
  await expect(input).toHaveValue('', { timeout: 30_000 });
  await reloadLounge(b);
  await enableEncryption(b.page);
  await expectShown(b.page, { text: 'after the change', author: `alice@${LOUNGE_NAMESPACE}` });
});
