/**
 * Secure compose on The Lounge, the known bugs of issue 5's compose frame and status chip (each a test that failed
 * before its fix):
 * - typing fast: The Lounge focuses its own box after each of our deliveries; that is not focus theft, and every
 *   message of a burst goes out;
 * - the compose frame (104 px at least) must not cover The Lounge's newest message;
 * - who can read (in the frame) follows the conversation without reopening: someone joins, a contact is verified;
 * - the status chip follows a key change and the verification after it without a reload.
 * Assertions stay on the compose side, the raw IRC client and the site's box (not on the display frames).
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../fixture';
import type { ExtensionBrowser } from '../fixture/extension-browser';
import {
  ARMOR_PATTERN,
  COMPOSE_FRAME,
  LOUNGE_NAMESPACE,
  LOUNGE_USERS,
  callApi,
  composeFrame,
  composeInput,
  enableSite,
  registerAccount,
  sendEncrypted,
  startEncryptedChat,
  statusChip,
} from '../fixture/lounge-crypto';

test.use({ stackOptions: { loungeUsers: [...LOUNGE_USERS] } });
test.setTimeout(240_000);

const BOB = `bob@${LOUNGE_NAMESPACE}`;

type Rect = { x: number; y: number; width: number; height: number };

/** Area (px²) shared by two boxes. */
function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, w) * Math.max(0, h);
}

/** The toolbar button's badge for the tab showing `page` (read in the worker: a page cannot see it). */
async function toolbarBadge(browser: ExtensionBrowser, page: Page): Promise<{ text: string; title: string }> {
  const worker = await browser.serviceWorker();
  return worker.evaluate(async (url) => {
    type ActionApi = {
      tabs: { query(q: { url: string }): Promise<Array<{ id?: number }>> };
      action: { getBadgeText(d: { tabId: number }): Promise<string>; getTitle(d: { tabId: number }): Promise<string> };
    };
    const c = (globalThis as unknown as { chrome: ActionApi }).chrome;
    const [tab] = await c.tabs.query({ url });
    const tabId = tab!.id!;
    return { text: await c.action.getBadgeText({ tabId }), title: await c.action.getTitle({ tabId }) };
  }, page.url().split('#')[0] + '*');
}

async function box(locator: Locator): Promise<Rect> {
  const r = await locator.boundingBox();
  if (!r) throw new Error('element not rendered');
  return r;
}

/**
 * Is the element what the user sees at its left end, its middle and its right end (nothing of ours or the page's
 * lies over it, and its scroll container shows it)?
 */
function onTop(el: Element): boolean {
  const r = el.getBoundingClientRect();
  const y = r.top + r.height / 2;
  return [r.left + 4, r.left + r.width / 2, r.right - 4].every((x) => {
    const hit = document.elementFromPoint(x, y);
    return hit !== null && el.contains(hit);
  });
}

/** The person's entry in the compose frame's "who can read" list. */
function recipient(page: Page, identity: string): Locator {
  return composeFrame(page).locator(`.oc-recipients li[data-identity="${identity}"]`);
}

test('ten messages sent back to back from the frame all go out; The Lounge re-focusing its box is not focus theft', async ({ stack, alice, bob, ircClient }) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a } = await startEncryptedChat(stack, { alice, bob });
  const input = composeInput(a.page);
  const frame = composeFrame(a.page);
  const stolen = frame.locator('[data-warning="focusStolen"]');
  await expect(input).toBeEditable({ timeout: 30_000 });
  const fromAlice = () => carol.messages.filter((m) => m.from === 'alice');
  // Five filled at once, as fast as Playwright can (no waiting between messages).
  const filled = Array.from({ length: 5 }, (_, i) => `burst message ${i + 1}`);
  for (const text of filled) {
    await input.fill(text);
    await input.press('Enter');
  }
  // Five typed key by key right after each Enter: the next message is half typed when the content script
  // delivers the previous one and The Lounge focuses its own box (the old false alarm, every time).
  const typed = Array.from({ length: 5 }, (_, i) => `typed on while the last one goes out ${i + 1}`);
  for (const text of typed) {
    await input.pressSequentially(text);
    await input.press('Enter');
  }
  await expect.poll(() => fromAlice().length, { timeout: 60_000 }).toBe(filled.length + typed.length);
  for (const m of fromAlice()) expect(m.text).toMatch(ARMOR_PATTERN);
  await expect(stolen).toHaveCount(0);
  await expect(frame.locator('.oc-compose')).toHaveAttribute('data-state', 'ready');
  // Still not blocked a moment later (a theft is reported once the short hand-back grace is over): one more
  // message goes out.
  await sendEncrypted(a.page, 'and one more after the burst');
  await expect.poll(() => fromAlice().length, { timeout: 30_000 }).toBe(filled.length + typed.length + 1);
  await expect(stolen).toHaveCount(0);
  await expect(a.page.locator('textarea#input')).toHaveValue('');
  for (const m of carol.messages) expect(m.text).not.toMatch(/burst message|typed on/);
});

test('a real theft still warns and blocks: the page focuses its box while alice types, or another field right after a send', async ({
  stack,
  alice,
  bob,
  ircClient,
}) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a } = await startEncryptedChat(stack, { alice, bob });
  const input = composeInput(a.page);
  const frame = composeFrame(a.page);
  const warning = frame.locator('[data-warning="focusStolen"]');
  const fromAlice = () => carol.messages.filter((m) => m.from === 'alice');

  // 1. No send in progress: the page moves the focus to its own box while alice types.
  await input.click();
  await input.pressSequentially('the first half ');
  await a.page.evaluate(() => (document.querySelector('textarea#input') as HTMLTextAreaElement).focus());
  await expect(warning).toBeVisible();
  await a.page.keyboard.type('and the second half');
  await a.page.keyboard.press('Enter');
  await expect(frame.locator('.oc-compose')).toHaveAttribute('data-state', 'blocked');
  await expect(a.page.locator('textarea#input')).toHaveValue('');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await expect(warning).toBeHidden();
  expect((await input.inputValue()).startsWith('the first half ')).toBe(true);
  await input.press('Enter');
  await expect.poll(() => fromAlice().length, { timeout: 30_000 }).toBe(1);

  // 2. Right after that send (inside the delivery window) the page takes the focus to a field of its own, which
  //    the content script does not hand back: still theft, reported once the short grace is over.
  await input.fill('typing on right after the send');
  await a.page.evaluate(() => {
    const field = document.createElement('input');
    field.id = 'page-made-field';
    document.body.append(field);
    field.focus();
  });
  await expect(warning).toBeVisible({ timeout: 10_000 });
  await a.page.keyboard.press('Enter');
  await frame.locator('textarea.oc-input').press('Enter');
  await expect(frame.locator('.oc-compose')).toHaveAttribute('data-state', 'blocked');
  expect(fromAlice()).toHaveLength(1);
  for (const m of fromAlice()) expect(m.text).toMatch(ARMOR_PATTERN);
  await expect(a.page.locator('textarea#input')).toHaveValue('');
});

test("the compose frame and the chip leave The Lounge's newest message in sight; the box gets its size back when compose stops", async ({
  stack,
  alice,
  bob,
  ircClient,
}, testInfo) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a } = await startEncryptedChat(stack, { alice, bob });
  // Enough plain lines that the message list scrolls (The Lounge keeps it at the bottom).
  for (let i = 1; i <= 40; i++) carol.privmsg('#overcrypt', `plain line ${i} from carol, long enough to reach the right side of the window`);
  const last = a.messages('carol').last();
  await expect(last.locator('.content')).toHaveText(/plain line 40 /, { timeout: 30_000 });
  const frame = a.page.locator(COMPOSE_FRAME);
  const chip = a.page.locator('[data-overcrypt="chip"] button');
  await expect.poll(async () => overlap(await box(last), await box(frame)), { timeout: 10_000 }).toBe(0);
  expect(overlap(await box(last), await box(chip))).toBe(0);
  await expect.poll(() => last.evaluate(onTop), { timeout: 10_000 }).toBe(true);
  // The frame lies within the site's box (which was given the room), not over the page around it.
  const site = await box(a.page.locator('textarea#input'));
  const f = await box(frame);
  expect(f.y).toBeGreaterThanOrEqual(site.y - 1);
  expect(f.y + f.height).toBeLessThanOrEqual(site.y + site.height + 1);
  await a.page.screenshot({ path: testInfo.outputPath('alice-compose-room.png') });

  // Encryption off: no frame, and The Lounge's box is its own size again.
  await statusChip(a.page).click();
  await expect(statusChip(a.page)).toHaveText(/Not encrypted/);
  await expect(frame).toHaveCount(0);
  await expect(a.page.locator('textarea#input')).not.toHaveAttribute('style', /min-height|padding-top/);
  await expect.poll(() => last.evaluate(onTop)).toBe(true);
});

test('who can read follows the conversation while the frame is open: a contact verified elsewhere, someone joining', async ({
  stack,
  alice,
  bob,
  ircClient,
}) => {
  test.skip(!stack.directory, 'needs the directory server');
  const { a } = await startEncryptedChat(stack, { alice, bob }, { verify: false });
  await expect(recipient(a.page, BOB)).toHaveAttribute('data-state', 'firstSeen', { timeout: 30_000 });
  await expect(composeFrame(a.page).locator('.oc-recipients summary')).not.toContainText('without a key');

  // alice verifies bob (what the popup's safety-number screen does): the open frame shows it.
  await callApi(alice, { type: 'contacts/verify', identity: BOB, verified: true });
  await expect(recipient(a.page, BOB)).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });

  // dave joins the channel from a plain IRC client (no Overcrypt key): listed as unable to read.
  const dave = await ircClient('dave', []);
  await dave.join('#overcrypt');
  await expect(a.channel('#overcrypt').locator('.userlist .user[data-name="dave"]')).toBeVisible({ timeout: 30_000 });
  await expect(recipient(a.page, `dave@${LOUNGE_NAMESPACE}`)).toHaveAttribute('data-state', 'noCard', { timeout: 20_000 });
  await expect(composeFrame(a.page).locator('.oc-recipients summary')).toContainText('1 without a key');
  // The chip says so too, and sending still works (dave simply cannot read).
  await expect(statusChip(a.page)).toHaveAttribute('title', /dave has no Overcrypt key/);
  await sendEncrypted(a.page, 'dave cannot read this');
  const onWire = await dave.waitForMessage((m) => m.from === 'alice', 30_000);
  expect(onWire.text).toMatch(ARMOR_PATTERN);
});

test("the status chip follows a contact's key change and the verification after it, without a reload", async ({ stack, alice, bob }) => {
  test.skip(!stack.directory, 'needs the directory server');
  const { a } = await startEncryptedChat(stack, { alice, bob }, { verify: true });
  const chip = statusChip(a.page);
  await expect(chip).toHaveText(/^🔒 Encrypted to 2 people · 2 devices$/, { timeout: 30_000 });
  // The toolbar button says the same for this tab.
  await expect.poll(() => toolbarBadge(alice, a.page), { timeout: 30_000 }).toEqual({ text: '2', title: expect.stringMatching(/^Overcrypt: encrypted in #\S+ to 2 people \(2 devices\)$/) });

  // bob sets up again without a backup: a new identity key for the same account.
  await callApi(bob, { type: 'account/logout', revokeCard: false, confirmWithoutBackup: true });
  await registerAccount(bob, { directoryUrl: stack.directory!.url, nick: 'bob' });
  await enableSite(bob, stack.lounge.url);

  // alice touches nothing: the chip turns to a warning naming the key change.
  await expect(chip).toHaveAttribute('title', new RegExp(`${BOB}: key changed`), { timeout: 30_000 });
  await expect(chip).toHaveAttribute('data-tone', 'warn');
  await expect(composeFrame(a.page).locator('[data-warning="keyChanged"]')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => toolbarBadge(alice, a.page), { timeout: 30_000 }).toEqual({ text: '!', title: expect.stringContaining(`${BOB}: key changed`) });

  // She verifies bob's new key (the popup's step): the chip drops the key change; bob's new device waits for her
  // approval in the frame, and once approved the chip is plain "encrypted" again.
  await callApi(alice, { type: 'contacts/verify', identity: BOB, verified: true });
  await expect(chip).not.toHaveAttribute('title', /key changed/, { timeout: 30_000 });
  const approve = composeFrame(a.page).locator('button.oc-approve');
  await expect(approve).toBeVisible({ timeout: 30_000 });
  await approve.press('Enter');
  await expect(chip).toHaveText(/^🔒 Encrypted to 2 people · 2 devices$/, { timeout: 30_000 });
  await expect(chip).toHaveAttribute('data-tone', 'on');
});
