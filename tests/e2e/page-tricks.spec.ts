/**
 * What a hostile chat page (or another user of the chat) can try against Overcrypt's frames (issue 5, page tricks):
 * re-post someone's armor elsewhere under another name, talk to or embed our frames itself, steal the focus while
 * the user types, and make a message look like two messages or like it comes from someone else.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../fixture';
import {
  COMPOSE_FRAME,
  HIDE_COMPOSE,
  DISPLAY_FRAME,
  LOUNGE_NAMESPACE,
  LOUNGE_USERS,
  approveRecipients,
  armorTexts,
  composeFrame,
  composeInput,
  displayFrames,
  enableEncryption,
  expectLastShown,
  expectShown,
  itemLocator,
  sendEncrypted,
  shownFrom,
  shownItems,
  startEncryptedChat,
  statusChip,
} from '../fixture/lounge-crypto';

test.use({ stackOptions: { loungeUsers: LOUNGE_USERS } });
test.setTimeout(240_000);

const ALICE = `alice@${LOUNGE_NAMESPACE}`;

test('alice\'s armor from a DM, re-posted in the channel under carol\'s name, shows a mismatch with alice as the sender', async ({
  stack,
  alice,
  bob,
  ircClient,
}, testInfo) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });

  // alice opens a direct conversation with bob (The Lounge's /query) and sends there, encrypted.
  // (The compose frame covers the site's box, so the query is opened from the user list's menu.)
  await a.channel('#overcrypt').locator('.userlist .user[data-name="bob"]').click({ button: 'right' });
  await a.page.getByText('Direct messages', { exact: true }).click();
  await expect(a.page.locator('.chat-view[data-type="query"][aria-label="bob"]')).toBeVisible();
  await enableEncryption(a.page, 'bob');
  await approveRecipients(a.page, 2);
  const secret = 'only for you, bob: the vault code is 7-3-1';
  await sendEncrypted(a.page, secret);
  await expectShown(a.page, { text: secret, author: ALICE });
  const parts = await armorTexts(a.page, 'alice');
  expect(parts.length).toBeGreaterThan(0);

  // carol (a raw IRC client: any channel member) posts alice's armor in the channel as her own message.
  for (const part of parts) carol.privmsg('#overcrypt', part);
  // In bob's channel view the frame that took carol's row shows the message with a red mismatch: signed for
  // another conversation. The cryptographic sender is alice, in the frame's own author element (not carol, whom
  // the page names).
  const shown = await expectLastShown(b.page, { badge: 'mismatch', reason: 'conversation', author: ALICE });
  expect(shown.badgeText).toContain('mismatch');
  expect(shown.frameRowFrom).toBe('carol');
  expect(shown.index).toBe(0);
  expect(shown.header).not.toContain('carol');
  expect(await shownItems(b.page)).toHaveLength(1);
  await itemLocator(b.page, shown).screenshot({ path: testInfo.outputPath('bob-mismatch-message.png'), style: HIDE_COMPOSE });
});

test('the page cannot drive our frames: its postMessages and its own embeds of our frame pages render nothing', async ({ stack, alice, bob }) => {
  test.skip(!stack.directory, 'needs the directory server');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });
  const first = 'first message, before the page plays tricks';
  await sendEncrypted(a.page, first);
  await expectShown(b.page, { text: first, author: ALICE, badge: 'verified' });
  const ourFrames = await displayFrames(b.page).count();

  // 1. The page posts messages to every frame: fake plaintext, fake API envelopes, fake handles.
  const extensionId = bob.extensionId;
  await b.page.evaluate(() => {
    const fakes: unknown[] = [
      { plaintext: 'FORGED-BY-PAGE', senderName: 'carol', badge: { kind: 'verified' } },
      { tag: 'overcrypt/api/v1', push: 'status/changed', locked: false },
      { tag: 'overcrypt/api/v1', request: { type: 'compose/submit', jobId: 'x', plaintext: 'FORGED-BY-PAGE' } },
      'FORGED-BY-PAGE',
    ];
    for (const frame of Array.from(document.querySelectorAll('iframe'))) {
      for (const fake of fakes) frame.contentWindow?.postMessage(fake, '*');
    }
  });

  // 2. The page embeds our frame pages itself: under the static URL, and with a copy of a real frame's URL
  //    (dynamic id; with its handle, already used, or none: a spare's, which asks the worker for a region).
  const copied = (await b.page.locator(DISPLAY_FRAME).first().getAttribute('src'))!;
  expect(copied).toMatch(/display-frame\.html/);
  const spareUrl = copied.replace(/#.*$/, '');
  await b.page.evaluate(
    ({ extensionId, copied, spareUrl }) => {
      const urls = [
        `chrome-extension://${extensionId}/display-frame.html#${'A'.repeat(32)}`,
        `chrome-extension://${extensionId}/compose-frame.html#${'B'.repeat(32)}`,
        copied,
        copied.replace('display-frame.html', 'compose-frame.html'),
        spareUrl,
      ];
      for (const url of urls) {
        const frame = document.createElement('iframe');
        frame.setAttribute('data-page-made', '');
        frame.style.cssText = 'width:400px;height:120px;border:2px solid red';
        frame.src = url;
        document.querySelector('#chat .chat-view .messages')?.append(frame);
      }
    },
    { extensionId, copied, spareUrl },
  );

  // A message sent after the tricks still arrives normally (the frames and the page work).
  const second = 'second message, after the tricks';
  await sendEncrypted(a.page, second);
  await expectShown(b.page, { text: second, author: ALICE, badge: 'verified' });

  // Nothing rendered from the page's messages or embeds: bob sees exactly alice's two messages.
  const seen = await shownItems(b.page);
  expect(seen.map((i) => [i.body, i.identity, i.badge])).toEqual([
    [first, ALICE, 'verified'],
    [second, ALICE, 'verified'],
  ]);
  expect(await frameTexts(b.page)).not.toContain('FORGED-BY-PAGE');
  const pageMade = b.page.locator('iframe[data-page-made]');
  for (let i = 0; i < (await pageMade.count()); i++) {
    const inside = b.page.frameLocator('iframe[data-page-made]').nth(i);
    await expect(inside.locator('.oc-body, .oc-input, .oc-author, .oc-msg')).toHaveCount(0);
  }
  // Our own frames: one more (the second message arrived alone: a region of its own), none taken over.
  await expect(displayFrames(b.page)).toHaveCount(ourFrames + 1);
  expect(await frameTexts(b.page, '.oc-body')).toEqual(expect.arrayContaining([first, second]));
});

test('the page steals the focus while alice types: a warning, nothing sent, nothing in the site\'s box', async ({
  stack,
  alice,
  bob,
  ircClient,
}) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });
  const input = composeInput(a.page);
  await input.click();
  await input.pressSequentially('the first half ');

  // The page moves the focus to its own compose box (as a site does on any key press or after a timer).
  await a.page.evaluate(() => (document.querySelector('textarea#input') as HTMLTextAreaElement).focus());
  const warning = composeFrame(a.page).locator('[data-warning="focusStolen"]');
  await expect(warning).toBeVisible();
  // The user goes on typing and presses Enter, wherever the focus is now.
  await a.page.keyboard.type('and the second half');
  await a.page.keyboard.press('Enter');

  await expect(warning).toBeVisible();
  await expect(a.page.locator('textarea#input')).toHaveValue('');
  await expect(composeFrame(a.page).locator('.oc-compose')).toHaveAttribute('data-state', 'blocked');

  // Nothing went out: after the user confirms and sends, the first thing from alice on the wire and on bob's
  // screen is this one message.
  await composeFrame(a.page).getByRole('button', { name: 'Continue' }).click();
  await expect(warning).toBeHidden();
  const typed = await input.inputValue();
  expect(typed.startsWith('the first half ')).toBe(true);
  await input.press('Enter');
  await expect(input).toHaveValue('', { timeout: 30_000 });
  await expectShown(b.page, { text: typed, author: ALICE });
  expect(shownFrom(await shownItems(b.page), ALICE)).toHaveLength(1);
  await expect(b.messages('alice')).toHaveCount(1);
  const fromAlice = carol.messages.filter((m) => m.from === 'alice');
  expect(fromAlice.length).toBeGreaterThan(0);
  for (const m of fromAlice) expect(m.text).toMatch(/^OC1[0-9A-Za-z]+$/);
  await expect(a.page.locator('textarea#input')).toHaveValue('');
  await expect(statusChip(a.page)).toHaveText(/Encrypted/);
});

test('a plaintext with U+202E and a fake "✔ carol (verified):" line renders as one message from alice', async ({ stack, alice, bob, ircClient }, testInfo) => {
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });
  const text = 'invoice\u202Efdp.exe is attached\n✔ carol (verified): please pay it today';
  await sendEncrypted(a.page, text);

  // One message, alice's, with the override shown as a visible label and the fake line inside the body.
  const shown = await expectShown(b.page, {
    text: 'invoice\u27E6U+202E\u27E7fdp.exe is attached\n✔ carol (verified): please pay it today',
    author: ALICE,
    badge: 'verified',
  });
  expect(await shownItems(b.page)).toHaveLength(1);
  expect(shown.authors).toBe(1);
  expect(shown.header).not.toContain('carol');
  expect(shown.bodyElements).toBe(0); // text only, no elements
  await itemLocator(b.page, shown).screenshot({ path: testInfo.outputPath('bob-bidi-message.png'), style: HIDE_COMPOSE });
  // The page shows one IRC message from alice for it (armor has no newline), nothing from carol.
  await expect(b.messages('carol')).toHaveCount(0);
  const fromAlice = await carol.waitForMessage((m) => m.from === 'alice');
  expect(fromAlice.text).toMatch(/^OC1[0-9A-Za-z]+$/);
});

/** Text of `selector` in every frame of the page (ours included; cross-origin frames through Playwright). */
async function frameTexts(page: Page, selector = 'body'): Promise<string[]> {
  const texts: string[] = [];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    const t = await frame
      .locator(selector)
      .allTextContents()
      .catch(() => [] as string[]);
    texts.push(...t);
  }
  return texts;
}

void COMPOSE_FRAME;
