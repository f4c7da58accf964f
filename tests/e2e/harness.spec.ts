/**
 * Proves the stack every E2E test stands on: directory (when present), ngircd and The Lounge on loopback;
 * two Chromium profiles with the built extension; plain messages between them that a raw IRC client sees on
 * the wire; the extension's service worker stopped and started; the site adapter driving the real app.
 */
import {
  TEST_EXTENSION_ID,
  connectToLounge,
  expect,
  installHostileSpy,
  leaks,
  reloadLounge,
  signInToLounge,
  spyReport,
  test,
} from '../fixture';
import { sitesBundle } from './sites-bundle';

/** The bit of the extension API these tests touch inside the worker. */
type StorageArea = { get(keys: null | string): Promise<Record<string, unknown>>; set(items: Record<string, unknown>): Promise<void> };
declare const chrome: { runtime: { id: string }; storage: { managed: StorageArea; local: StorageArea; session: StorageArea } };

test('two browsers with the extension talk through The Lounge; the wire carries what they typed', async ({
  stack,
  alice,
  bob,
  ircClient,
}, testInfo) => {
  testInfo.annotations.push({
    type: 'timings (ms)',
    description: JSON.stringify({
      ...Object.fromEntries(Object.entries(stack.timings).map(([k, v]) => [k, Math.round(v)])),
      aliceBrowser: Math.round(alice.startupMs),
      bobBrowser: Math.round(bob.startupMs),
    }),
  });
  expect(alice.extensionId).toBe(TEST_EXTENSION_ID);
  expect(bob.extensionId).toBe(TEST_EXTENSION_ID);
  if (stack.directory) {
    const res = await fetch(`${stack.directory.url}/`).catch(() => undefined);
    expect(res, 'the directory answers HTTP on loopback').toBeDefined();
  }

  const carol = await ircClient('carol');
  const a = await connectToLounge(await alice.context.newPage(), stack.lounge.url, 'alice');
  const b = await connectToLounge(await bob.context.newPage(), stack.lounge.url, 'bob');
  await expect(a.channel('#overcrypt').locator('.userlist .user[data-name="bob"]')).toBeVisible();

  const hello = 'hello bob, plain for now <b>not bold</b>';
  await a.sendPlain(hello);
  await expect(b.messages('alice').last().locator('.content')).toHaveText(hello);
  const onWire = await carol.waitForMessage((m) => m.from === 'alice');
  expect(onWire).toMatchObject({ target: '#overcrypt', text: hello });

  // The Lounge tries the internet (update check) at every start; the preload refused it.
  await stack.lounge.process.waitForLine(/\[loopback-only\] refused (connection|lookup) to (?!127\.|localhost)/, 30_000);

  await b.sendPlain('hi alice');
  await expect(a.messages('bob').last().locator('.content')).toHaveText('hi alice');
  await carol.waitForMessage((m) => m.from === 'bob' && m.text === 'hi alice');
  expect(await carol.names('#overcrypt')).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
});

test('the extension service worker stops and starts again with fresh globals', async ({ alice }, testInfo) => {
  const worker = await alice.serviceWorker();
  expect(await worker.evaluate(() => chrome.runtime.id)).toBe(alice.extensionId);
  await worker.evaluate(() => {
    (globalThis as { __overcryptMarker?: number }).__overcryptMarker = 42;
  });

  let t = performance.now();
  await alice.stopServiceWorker();
  const stopMs = performance.now() - t;
  t = performance.now();
  const again = await alice.startServiceWorker();
  const startMs = performance.now() - t;
  // A new JavaScript realm: the marker is gone, and the worker answers.
  expect(await again.evaluate(() => (globalThis as { __overcryptMarker?: number }).__overcryptMarker)).toBeUndefined();
  expect(await again.evaluate(() => chrome.runtime.id)).toBe(alice.extensionId);
  testInfo.annotations.push({ type: 'worker restart (ms)', description: JSON.stringify({ stop: Math.round(stopMs), start: Math.round(startMs) }) });

  // Twice in a row works too (tests stop the worker between and during operations).
  await alice.restartServiceWorker();
  const popup = await alice.openPopup();
  await expect(popup).toHaveURL(alice.extensionUrl('popup.html'));
});

test('the site adapter fills The Lounge\'s compose box and sends through its own handler', async ({ stack, alice, bob, ircClient }) => {
  const carol = await ircClient('carol');
  const a = await connectToLounge(await alice.context.newPage(), stack.lounge.url, 'alice');
  const b = await connectToLounge(await bob.context.newPage(), stack.lounge.url, 'bob');
  await a.page.evaluate(await sitesBundle());

  const text = `sent by the site adapter, see #overcrypt and https://example.com/${Date.now()}`;
  const result = await a.page.evaluate((message) => {
    const sites = (globalThis as unknown as { OvercryptSites: typeof import('../../lib/sites') }).OvercryptSites;
    const adapter = sites.createSiteRegistry().forPage(document);
    const box = adapter.composeBox(document)!;
    const insert = adapter.insert(box, message);
    const via = adapter.send(document, box);
    return { id: adapter.id, conversation: adapter.conversation(document), strategy: insert.strategy, via };
  }, text);
  expect(result).toMatchObject({ id: 'thelounge', strategy: 'value-setter', via: 'key' });
  expect(result.conversation).toMatchObject({ id: '#overcrypt', kind: 'group', namespace: 'overcrypttest', ownHandle: 'alice' });
  expect(result.conversation?.participants).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));

  await expect(a.page.locator('textarea#input')).toHaveValue('');
  await expect(b.messages('alice').last().locator('.content')).toHaveText(text);
  expect((await carol.waitForMessage((m) => m.from === 'alice')).text).toBe(text);

  // The adapter reads bob's rendered copy back whole.
  await b.page.evaluate(await sitesBundle());
  const seen = await b.page.evaluate(() => {
    const sites = (globalThis as unknown as { OvercryptSites: typeof import('../../lib/sites') }).OvercryptSites;
    return sites.createSiteRegistry().forPage(document).messages(document).map((m) => ({ sender: m.sender, text: m.text }));
  });
  expect(seen).toContainEqual({ sender: 'alice', text });
});

test('managed policy reaches this browser only, and changes apply live', async ({ launchBrowser, alice }, testInfo) => {
  const managed = await launchBrowser('managed', { policy: { autoLockMinutes: 7, sitesEnabled: [{ host: '127.0.0.1', locked: true }] } });
  const readPolicy = async (browser: typeof managed) =>
    (await browser.serviceWorker()).evaluate(() => chrome.storage.managed.get(null));
  // Chrome's first managed read can block for seconds after start: poll, do not sleep.
  await expect.poll(() => readPolicy(managed), { timeout: 30_000 }).toEqual({
    autoLockMinutes: 7,
    sitesEnabled: [{ host: '127.0.0.1', locked: true }],
  });
  // The other browser, launched without policy, sees none (each browser has its own policy directory).
  expect(await readPolicy(alice)).toEqual({});

  const t = performance.now();
  await managed.setPolicy({ autoLockMinutes: 3 });
  await expect.poll(() => readPolicy(managed), { timeout: 30_000 }).toEqual({ autoLockMinutes: 3 });
  testInfo.annotations.push({ type: 'live policy change seen after (ms)', description: String(Math.round(performance.now() - t)) });
  // After the worker restarts, the policy is still there.
  await managed.restartServiceWorker();
  expect(await readPolicy(managed)).toEqual({ autoLockMinutes: 3 });
});

test('a browser restart keeps the profile (storage.local) and loses session storage', async ({ alice }, testInfo) => {
  // The extension opens its first-run tab on install.
  const firstRun = await alice.waitForExtensionTab('firstrun.html');
  await expect(firstRun).toHaveURL(alice.extensionUrl('firstrun.html'));

  const worker = await alice.serviceWorker();
  await worker.evaluate(async () => {
    await chrome.storage.local.set({ harnessProbe: 'kept' });
    await chrome.storage.session.set({ harnessProbe: 'gone' });
  });
  const again = await alice.restartBrowser();
  testInfo.annotations.push({ type: 'browser restart to worker (ms)', description: String(Math.round(alice.startupMs)) });
  expect(await again.evaluate(() => chrome.storage.local.get('harnessProbe'))).toEqual({ harnessProbe: 'kept' });
  expect(await again.evaluate(() => chrome.storage.session.get('harnessProbe'))).toEqual({});
  // The fixture's other handles follow the new context.
  await alice.restartServiceWorker();
  await expect(await alice.openPopup()).toHaveURL(alice.extensionUrl('popup.html'));
});

test.describe('The Lounge in private mode', () => {
  test.use({ stackOptions: { loungeUsers: [{ name: 'alice', password: 'alice-pw-1' }, { name: 'bob', password: 'bob-pw-1' }] } });

  test('signed-in users keep their session and history across a reload', async ({ stack, alice, bob }) => {
    expect(stack.lounge.privateMode).toBe(true);
    const a = await signInToLounge(await alice.context.newPage(), stack.lounge.url, 'alice', 'alice-pw-1');
    const b = await signInToLounge(await bob.context.newPage(), stack.lounge.url, 'bob', 'bob-pw-1');
    await a.sendPlain('before the reload');
    await expect(b.messages('alice').last().locator('.content')).toHaveText('before the reload');
    await reloadLounge(b);
    await expect(b.messages('alice').last().locator('.content')).toHaveText('before the reload');
    await a.sendPlain('after the reload');
    await expect(b.messages('alice').last().locator('.content')).toHaveText('after the reload');
  });
});

test('the hostile page spy catches plain typing (control for the no-leak tests)', async ({ stack, alice, bob }) => {
  await installHostileSpy(bob.context, stack.lounge.url);
  const a = await connectToLounge(await alice.context.newPage(), stack.lounge.url, 'alice');
  const b = await connectToLounge(await bob.context.newPage(), stack.lounge.url, 'bob');
  const secret = 'typed without Overcrypt';
  await b.page.locator('textarea#input').pressSequentially(secret);
  await b.page.locator('textarea#input').press('Enter');
  await expect(a.messages('bob').last().locator('.content')).toHaveText(secret);
  const report = await spyReport(b.page);
  expect(report.keys.join('')).toContain(secret);
  expect(leaks(report, secret).length).toBeGreaterThan(10);
  expect(leaks(report, 'QZ8XK3VJ')).toEqual([]); // shares no character with what was typed
  // Alice's browser has no spy.
  await expect(spyReport(a.page)).rejects.toThrow(/not installed/);
});
