/**
 * Lock, unlock, browser restart and auto-lock on the built extension. Auto-lock uses the test builds' clock offset
 * (entrypoints/background.ts: storage.session `overcryptTestClockOffsetMs`, compiled out of release builds — the
 * last test here builds a release bundle and proves it).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '../fixture';
import { extensionApi, openChat, setUpParties, startTestSite, type Chat, type TestSite } from '../fixture/register';
import { startDirectory, type Directory } from '../harness/directory';
import { projectNode, REPO_ROOT } from '../harness/node';
import { startProcess } from '../harness/process';

const CONVERSATION = '#c';
const TEST_CLOCK_OFFSET_KEY = 'overcryptTestClockOffsetMs';

let directory: Directory;
let site: TestSite;

test.beforeEach(async () => {
  [directory, site] = await Promise.all([startDirectory(), startTestSite()]);
});

test.afterEach(async () => {
  await site?.close();
  await directory?.stop();
});

async function armorFound(chat: Chat, parts: string[]) {
  return chat.cs.call<{ handle: string }>({ type: 'armor/found', host: site.host, conversationId: CONVERSATION, items: [{ parts, pageAuthor: 'alice', heightPx: 40 }] });
}

/**
 * The page reports armor and our display frame claims and fetches it, as in real use. A locked worker answers the
 * claim with gate 'locked' (the frame's unlock prompt) or a fetch with the typed `Locked` error; anything else is
 * returned as it came.
 */
async function displayOutcome(chat: Chat, parts: string[]): Promise<string> {
  const found = await armorFound(chat, parts);
  if (!found.ok) return found.error.code;
  const region = await chat.displayFrameCall<{ jobId: string; gate: string }>({ type: 'display/open', handle: found.value.handle });
  if (!region.ok) return region.error.code;
  if (region.value.gate !== 'ready') return `gate: ${region.value.gate}`;
  const shown = await chat.displayFrameCall({ type: 'display/fetch', jobId: region.value.jobId, indices: [0] });
  if (!shown.ok) return shown.error.code;
  const [item] = shown.value.items;
  return item.ok ? `plaintext: ${item.plaintext}` : `badge: ${item.badge.kind}`;
}
const LOCKED = ['Locked', 'gate: locked'];

test('lock: requests answer Locked; unlock: they work; browser restart: locked, data intact', async ({ alice, bob }) => {
  test.setTimeout(300_000);
  // Bob registers through the real first-run UI; alice through the API.
  const [a] = await setUpParties([{ browser: alice, handle: 'alice' }], { directoryUrl: directory.url, site, conversationId: CONVERSATION });
  const [b] = await setUpParties([{ browser: bob, handle: 'bob' }], { directoryUrl: directory.url, site, conversationId: CONVERSATION, viaUi: true });
  for (const p of [a!, b!]) await p.chat.report({ namespace: 'net', selfHandle: p.handle, conversationId: CONVERSATION, participants: ['alice', 'bob'] });
  const before = await a!.chat.send(CONVERSATION, ['before the lock 1', 'before the lock 2']);
  expect((await b!.chat.show(CONVERSATION, 'alice', before.map((s) => s.parts))).map((s) => s.plaintext)).toEqual(['before the lock 1', 'before the lock 2']);
  const pending = await armorFound(b!.chat, before[0]!.parts); // a handle opened while unlocked

  const api = await extensionApi(bob);
  expect(await api.ok({ type: 'vault/lock' })).toMatchObject({ locked: true, registered: true });
  // Everything that needs keys answers Locked, typed, from every kind of caller.
  expect(LOCKED).toContain(await displayOutcome(b!.chat, before[1]!.parts));
  expect(await b!.chat.cs.call({ type: 'compose/open', host: site.host, conversationId: CONVERSATION })).toMatchObject({ ok: false, error: { code: 'Locked' } });
  if (!pending.ok) throw new Error(`armor/found: ${pending.error.code}`);
  // Our frame claims its region while locked: gate 'locked', the job stays bound to the frame; fetching waits.
  const held = await b!.chat.displayFrameCall<{ jobId: string; gate: string }>({ type: 'display/open', handle: pending.value.handle });
  expect(held).toMatchObject({ ok: true, value: { gate: 'locked', heightsPx: [40] } });
  expect(held).not.toHaveProperty('value.securityPattern');
  const heldJob = held.ok ? held.value.jobId : '';
  expect(await b!.chat.displayFrameCall({ type: 'display/fetch', jobId: heldJob, indices: [0] })).toMatchObject({ ok: false, error: { code: 'Locked' } });
  expect(await b!.chat.displayFrameCall({ type: 'display/open', handle: pending.value.handle })).toMatchObject({ ok: false, error: { code: 'NotFound' } });
  expect(await api.call({ type: 'contacts/list' })).toMatchObject({ ok: false, error: { code: 'Locked' } });
  expect(await b!.chat.cs.call({ type: 'page/status', host: site.host, conversationId: CONVERSATION })).toMatchObject({ ok: true, value: { locked: true } });
  expect(await api.call({ type: 'vault/unlock', passphrase: 'not the passphrase' })).toMatchObject({ ok: false, error: { code: 'WrongPassword' } });
  // Still locked after a worker restart.
  await bob.restartServiceWorker();
  expect(LOCKED).toContain(await displayOutcome(b!.chat, before[1]!.parts));

  expect(await api.ok({ type: 'vault/unlock', passphrase: b!.passphrase })).toMatchObject({ locked: false });
  const [again] = await b!.chat.show(CONVERSATION, 'alice', [before[1]!.parts]);
  expect(again).toMatchObject({ ok: true, plaintext: 'before the lock 2', fromCache: true });
  // The frame that showed "locked" gets its message once unlocked (its job survived the worker restart).
  expect(await b!.chat.displayFrameCall({ type: 'display/fetch', jobId: heldJob, indices: [0] })).toMatchObject({
    ok: true,
    value: { items: [{ ok: true, plaintext: 'before the lock 1' }] },
  });
  const during = await a!.chat.send(CONVERSATION, ['after the unlock']);
  expect((await b!.chat.show(CONVERSATION, 'alice', [during[0]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'after the unlock' });
  await api.page.close();

  // Browser restart: memory and session storage are gone, so the vault is locked; the data is intact.
  await bob.restartBrowser();
  const api2 = await extensionApi(bob);
  expect(await api2.ok({ type: 'status/get' })).toMatchObject({ registered: true, locked: true });
  const chat2 = await openChat(bob, site.url);
  await chat2.report({ namespace: 'net', selfHandle: 'bob', conversationId: CONVERSATION, participants: ['alice', 'bob'] }).catch(() => undefined);
  expect(LOCKED).toContain(await displayOutcome(chat2, during[0]!.parts));
  expect(await api2.ok({ type: 'vault/unlock', passphrase: b!.passphrase })).toMatchObject({ locked: false, identity: 'bob@net' });
  await chat2.report({ namespace: 'net', selfHandle: 'bob', conversationId: CONVERSATION, participants: ['alice', 'bob'] });
  const history = await chat2.show(CONVERSATION, 'alice', [...before, ...during].map((s) => s.parts));
  expect(history.map((s) => s.plaintext)).toEqual(['before the lock 1', 'before the lock 2', 'after the unlock']);
  expect(history.every((s) => s.fromCache)).toBe(true);
  expect(((await api2.ok({ type: 'contacts/list' })) as Array<{ identity: string }>).map((c) => c.identity)).toContain('alice@net');
  // Sessions survived too: both directions still work.
  const later = await a!.chat.send(CONVERSATION, ['after the browser restart']);
  expect((await chat2.show(CONVERSATION, 'alice', [later[0]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'after the browser restart', fromCache: false });
  const answer = await chat2.send(CONVERSATION, ['bob is back']);
  expect((await a!.chat.show(CONVERSATION, 'bob', [answer[0]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'bob is back' });
});

test('auto-lock after 1 minute: the worker stopped, the page keeps injecting armor, requests answer Locked', async ({ alice, bob }) => {
  test.setTimeout(240_000);
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const api = await extensionApi(bob);
  await api.ok({ type: 'settings/set', patch: { autoLockMinutes: 1 } }); // the last user activity
  await api.page.close(); // an open options page would count as activity
  const messages = await a!.chat.send(CONVERSATION, ['one', 'two', 'three', 'four']);
  // Jump bob's clock from his display frame (an extension page that makes no requests of its own).
  const setClockOffset = (ms: number) =>
    b!.chat.page
      .frames()
      .find((f) => f.url().includes('/display-frame.html'))!
      .evaluate(([key, value]) => (globalThis as any).chrome.storage.session.set({ [key]: value }), [TEST_CLOCK_OFFSET_KEY, ms] as const);

  await bob.stopServiceWorker();
  await setClockOffset(30_000);
  // 30 s idle: the page's armor still decrypts (and that is not user activity).
  expect((await b!.chat.show(CONVERSATION, 'alice', [messages[0]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'one' });
  expect((await b!.chat.show(CONVERSATION, 'alice', [messages[1]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'two' });
  await bob.stopServiceWorker();
  // 75 s after the last user action (45 s after the page's requests): locked, on the next wake.
  await setClockOffset(75_000);
  expect(LOCKED).toContain(await displayOutcome(b!.chat, messages[2]!.parts));
  expect(LOCKED).toContain(await displayOutcome(b!.chat, messages[3]!.parts));
  expect(await b!.chat.cs.call({ type: 'status/get' })).toMatchObject({ ok: true, value: { locked: true, registered: true } });
  await bob.restartServiceWorker();
  expect(LOCKED).toContain(await displayOutcome(b!.chat, messages[2]!.parts));

  // Unlocking (a user action) opens it again, at the shifted time.
  const unlock = await extensionApi(bob);
  await unlock.ok({ type: 'vault/unlock', passphrase: b!.passphrase });
  expect((await b!.chat.show(CONVERSATION, 'alice', [messages[2]!.parts]))[0]).toMatchObject({ ok: true, plaintext: 'three' });
});

test('the test clock offset exists in test builds only: a release bundle lacks it', async ({ extensionDir }) => {
  test.setTimeout(300_000);
  const testBundle = readFileSync(path.join(extensionDir, 'background.js'), 'utf8');
  expect(testBundle).toContain(TEST_CLOCK_OFFSET_KEY); // control: the marker is findable
  // A release build (no OVERCRYPT_TEST_BUILD) into a temp directory: never .output/, which others may be using.
  const out = await mkdtemp(path.join(os.tmpdir(), 'overcrypt-release-'));
  try {
    const env = { ...process.env };
    delete env.OVERCRYPT_TEST_BUILD;
    delete env.OVERCRYPT_TEST_MANIFEST_KEY;
    delete env.OVERCRYPT_OUT_DIR;
    const proc = await startProcess({
      name: 'wxt build (release)',
      command: projectNode(),
      args: ['--input-type=module', '-e', `import { build } from 'wxt'; await build({ root: process.argv[1], outDir: process.argv[2], logLevel: 1 });`, REPO_ROOT, out],
      cwd: REPO_ROOT,
      env,
    });
    await proc.waitForExit();
    const dir = path.join(out, 'chrome-mv3');
    expect(existsSync(path.join(dir, 'background.js')), proc.output().slice(-20).join('\n')).toBe(true);
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    for (const f of files) expect(readFileSync(path.join(dir, f), 'utf8'), f).not.toContain(TEST_CLOCK_OFFSET_KEY);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).not.toHaveProperty('key');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
