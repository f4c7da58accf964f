/**
 * Overcrypt in a real chat UI (issue 5): two browsers with the extension, alice and bob, talk encrypted through
 * The Lounge (private mode, so history survives reloads) while a raw IRC client in the channel shows what the wire
 * carries and a hostile script in the page tries to read along.
 */
import { writeFile } from 'node:fs/promises';
import {
  expect,
  installHostileSpy,
  reloadLounge,
  signInToLounge,
  spyReport,
  test,
  type ExtensionBrowser,
  type LoungeSession,
  type Stack,
} from '../fixture';
import {
  ARMOR_PATTERN,
  HIDE_COMPOSE,
  approveRecipients,
  callApi,
  startEncryptedChat,
  plaintextLeaks,
  LOUNGE_NAMESPACE,
  enableEncryption,
  enableSite,
  expectLastShown,
  expectShown,
  itemLocator,
  registerAccount,
  sendEncrypted,
  shownFrom,
  shownItems,
  verifyContact,
  visibleArmor,
} from '../fixture/lounge-crypto';

const ALICE = `alice@${LOUNGE_NAMESPACE}`;
const BOB = `bob@${LOUNGE_NAMESPACE}`;
/** A clock time as the frame writes it from the signed header (format left to the frame: 09:41, 9:41 AM). */
const CLOCK = /\d{1,2}:\d{2}/;

const USERS = [
  { name: 'alice', password: 'alice-pw-1' },
  { name: 'bob', password: 'bob-pw-1' },
];

test.use({ stackOptions: { loungeUsers: USERS } });

/** Registers and enables the site (the popup's part). */
async function register(stack: Stack, browser: ExtensionBrowser, nick: string): Promise<void> {
  await registerAccount(browser, { directoryUrl: stack.directory!.url, nick, securityPattern: `🦊 ${nick} fox` });
  await enableSite(browser, stack.lounge.url);
}

/** Signs in to The Lounge and waits until the channel shows every one of `members`. */
async function signIn(stack: Stack, browser: ExtensionBrowser, nick: string): Promise<LoungeSession> {
  const user = USERS.find((u) => u.name === nick)!;
  return signInToLounge(await browser.context.newPage(), stack.lounge.url, nick, user.password);
}

/** Turns encryption on in #overcrypt (lock chip) once both are in the channel, and approves alice's and bob's devices. */
async function encryptChannel(session: LoungeSession): Promise<void> {
  for (const nick of ['alice', 'bob']) {
    await expect(session.channel('#overcrypt').locator(`.userlist .user[data-name="${nick}"]`)).toBeVisible({ timeout: 30_000 });
  }
  await enableEncryption(session.page);
  await approveRecipients(session.page, 2);
}

test('alice and bob talk encrypted in #overcrypt; the wire and the page see only armor; history survives a reload', async ({
  stack,
  alice,
  bob,
  ircClient,
}, testInfo) => {
  test.setTimeout(300_000);
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  // The hostile page script is in both browsers' Lounge pages before anyone types.
  await installHostileSpy(alice.context, stack.lounge.url);
  await installHostileSpy(bob.context, stack.lounge.url);

  const t0 = performance.now();
  await Promise.all([register(stack, alice, 'alice'), register(stack, bob, 'bob')]);
  const [a, b] = await Promise.all([signIn(stack, alice, 'alice'), signIn(stack, bob, 'bob')]);
  await Promise.all([encryptChannel(a), encryptChannel(b)]);
  const setupMs = performance.now() - t0;
  await verifyContact(bob, ALICE);
  await verifyContact(alice, BOB);

  // 1. alice -> bob, typed key by key.
  const hello = 'hello bob 🔐 <b>not bold</b>';
  let t = performance.now();
  await sendEncrypted(a.page, hello, { typed: true });
  const helloShown = await expectShown(b.page, { text: hello, author: ALICE, badge: 'verified' });
  const helloMs = performance.now() - t;
  // HTML in the plaintext stayed text; the time is the signed header's, in the frame's own element.
  expect(helloShown.bodyElements).toBe(0);
  expect(helloShown.authors).toBe(1);
  expect(helloShown.time).toMatch(CLOCK);

  // 2. bob replies.
  // Words the page itself never shows (nicks, UI text), so any 4-character piece found by the spy is a leak.
  const reply = 'quixotic wombat 7 juggles ✔ kumquats';
  await sendEncrypted(b.page, reply, { typed: true });
  await expectShown(a.page, { text: reply, author: BOB, badge: 'verified' });

  // 3. Longer than IRC's 350-byte line: several armor parts on the wire, one whole message on screen.
  const long = Array.from({ length: 40 }, (_, i) => `quokka${i} zyzzyva kumquat ünïcödé 🔐`).join(' ');
  expect(Buffer.byteLength(long)).toBeGreaterThan(1000);
  t = performance.now();
  await sendEncrypted(a.page, long);
  await expectShown(b.page, { text: long, author: ALICE, badge: 'verified' });
  const longMs = performance.now() - t;
  // One item for the whole message (not one per IRC line), and none of its parts left as armor on screen.
  const bobSees = await shownItems(b.page);
  expect(shownFrom(bobSees, ALICE).map((i) => i.body)).toEqual([hello, long]);
  expect(shownFrom(bobSees, BOB).map((i) => i.body)).toEqual([reply]); // bob's own message, from the cache
  expect(await b.messages('alice').count()).toBeGreaterThan(2); // the long one came as several IRC lines
  await expect.poll(() => visibleArmor(b.page)).toEqual([]);

  // Alice's own messages show as plaintext too.
  await expectShown(a.page, { text: hello, author: ALICE }, { which: 'first' });
  await expectShown(a.page, { text: long, author: ALICE });
  await expect.poll(() => visibleArmor(a.page)).toEqual([]);

  // 4. The wire carried armor only.
  await carol.waitForMessage((m) => m.from === 'bob');
  const fromUs = carol.messages.filter((m) => m.from === 'alice' || m.from === 'bob');
  expect(fromUs.length).toBeGreaterThanOrEqual(4); // hello, reply, long message in parts
  for (const m of fromUs) {
    expect(m.text).toMatch(ARMOR_PATTERN);
    expect(m.text.length).toBeLessThanOrEqual(350);
  }
  const wire = carol.lines.join('\n');
  for (const secret of ['hello bob', 'not bold', 'wombat', 'zyzzyva']) expect(wire).not.toContain(secret);

  // 5. The hostile page scripts collected nothing of any plaintext (compose, send and display).
  for (const [who, page] of [['alice', a.page], ['bob', b.page]] as const) {
    const report = await spyReport(page);
    const file = testInfo.outputPath(`spy-${who}.json`);
    await writeFile(file, JSON.stringify(report, null, 1));
    await testInfo.attach(`spy-${who}.json`, { path: file, contentType: 'application/json' });
    for (const text of [hello, reply, long]) expect(plaintextLeaks(report, text), `${who}'s page read plaintext`).toEqual([]);
    // report.iframeReads counts our frames' first, empty about:blank documents (before they load the extension
    // page); whatever it read is in report.texts, checked above.
  }

  // 6. Both reload (private mode keeps the history on the server): history still shows plaintext.
  await Promise.all([reloadLounge(a), reloadLounge(b)]);
  // History comes back as one run of messages: in page order, each once, nothing left as armor.
  await expectShown(b.page, { text: hello, author: ALICE, badge: 'verified' }, { which: 'first' });
  await expectShown(b.page, { text: long, author: ALICE, badge: 'verified' });
  await expectShown(a.page, { text: reply, author: BOB, badge: 'verified' });
  await expectShown(a.page, { text: hello, author: ALICE }, { which: 'first' });
  for (const page of [a.page, b.page]) {
    await expect.poll(async () => (await shownItems(page)).map((i) => i.body)).toEqual([hello, reply, long]);
    await expect.poll(() => visibleArmor(page)).toEqual([]);
    for (const item of await shownItems(page)) expect(item.time).toMatch(CLOCK);
  }

  await a.page.screenshot({ path: testInfo.outputPath('alice-view.png') });
  await b.page.screenshot({ path: testInfo.outputPath('bob-view.png') });
  testInfo.annotations.push({
    type: 'timings (ms)',
    description: JSON.stringify({ setup: Math.round(setupMs), helloToBob: Math.round(helloMs), longMessage: Math.round(longMs) }),
  });
});

test('tampered armor (one character changed, sent raw on IRC) shows "could not decrypt: tampered"; the page still works', async ({
  stack,
  alice,
  bob,
  ircClient,
}, testInfo) => {
  test.setTimeout(240_000);
  test.skip(!stack.directory, 'needs the directory server');
  const carol = await ircClient('carol');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });
  const original = 'pay 100 to bob';
  await sendEncrypted(a.page, original);
  await expectShown(b.page, { text: original, author: ALICE, badge: 'verified' });
  const onWire = await carol.waitForMessage((m) => m.from === 'alice');
  expect(onWire.text).toMatch(ARMOR_PATTERN);

  // One character in the middle of the data changed to another base62 character.
  const i = Math.floor(onWire.text.length / 2);
  const c = onWire.text[i]!;
  const tampered = onWire.text.slice(0, i) + (c === 'A' ? 'B' : 'A') + onWire.text.slice(i + 1);
  carol.privmsg('#overcrypt', tampered);
  // The newest message bob sees is the tampered one, in the frame that took carol's row: no text, the reason.
  const shown = await expectLastShown(b.page, { badge: 'couldNotDecrypt', badgeText: 'could not decrypt: tampered', state: 'failed' });
  expect(shown.reason).toMatch(/^tampered$/i);
  expect(shown.body).toBeNull();
  expect(shown.frameRowFrom).toBe('carol');
  expect((await shownItems(b.page)).map((i) => i.body)).toEqual([original, null]);
  await itemLocator(b.page, shown).screenshot({ path: testInfo.outputPath('bob-tampered-message.png'), style: HIDE_COMPOSE });

  // The page still works: plain IRC text shows as it is, and the next encrypted message decrypts.
  carol.privmsg('#overcrypt', 'just plain words from carol');
  await expect(b.messages('carol').last().locator('.content')).toHaveText('just plain words from carol');
  const next = 'still working after the tampering';
  await sendEncrypted(a.page, next);
  await expectShown(b.page, { text: next, author: ALICE, badge: 'verified' });
  await expectShown(b.page, { text: original, author: ALICE, badge: 'verified' });
  await expect.poll(async () => (await shownItems(b.page)).map((i) => i.body)).toEqual([original, null, next]);
});

test('locking the vault takes the plaintext off the screen; unlocking brings it back', async ({ stack, alice, bob }) => {
  test.skip(!stack.directory, 'needs the directory server');
  const { a, b } = await startEncryptedChat(stack, { alice, bob });
  const secret = 'the safe code is 4-8-15';
  await sendEncrypted(a.page, secret);
  await expectShown(b.page, { text: secret, author: ALICE, badge: 'verified' });

  await callApi(bob, { type: 'vault/lock' });
  await expect.poll(async () => (await shownItems(b.page)).map((i) => [i.state, i.body]), { timeout: 30_000 }).toEqual([['locked', null]]);
  expect(await b.page.locator('body').innerText()).not.toContain(secret);

  await callApi(bob, { type: 'vault/unlock', passphrase: 'bob passphrase' });
  await expectShown(b.page, { text: secret, author: ALICE, badge: 'verified' });
});
