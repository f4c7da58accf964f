/**
 * Who may ask the worker what, on the built extension: our content script (run in its real isolated world) cannot
 * call popup-only operations nor get plaintext; frames are bound to their job and tab; web pages and other
 * extensions get no answer at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '../fixture';
import { API_ENVELOPE_TAG, openChat, setUpParties, startTestSite, type Reply, type TestSite } from '../fixture/register';
import { startDirectory, type Directory } from '../harness/directory';
import type { ApiRequest } from '../../lib/api/messages';

const OTHER_EXTENSION = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/other-extension');
const CONVERSATION = '#c';

/** Chrome's id of an unpacked extension with a manifest `key`: SHA-256 of the key, first 16 bytes, hex digits a-p. */
function extensionIdOf(dir: string): string {
  const key = (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { key: string }).key;
  const hex = createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

let directory: Directory;
let site: TestSite;

test.beforeEach(async () => {
  [directory, site] = await Promise.all([startDirectory(), startTestSite()]);
});

test.afterEach(async () => {
  await site?.close();
  await directory?.stop();
});

test('a content script is refused popup-only operations and never receives plaintext', async ({ alice, bob }) => {
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const secret = 'the plaintext a page must never see 7f3a';
  const [message] = await a!.chat.send(CONVERSATION, [secret]);
  const cs = b!.chat.cs;
  const replies: unknown[] = [];
  const asContentScript = async (request: ApiRequest): Promise<Reply> => {
    const r = await cs.call(request);
    replies.push(r);
    return r;
  };

  const popupOnly: ApiRequest[] = [
    { type: 'vault/unlock', passphrase: b!.passphrase },
    { type: 'vault/lock' },
    { type: 'vault/changePassphrase', oldPassphrase: b!.passphrase, newPassphrase: 'taken over 12345' },
    { type: 'account/register', identity: 'mallory@net', password: 'x', passphrase: 'y' },
    { type: 'account/logout', revokeCard: true, confirmWithoutBackup: true },
    { type: 'directory/check', url: directory.url },
    { type: 'contacts/list' },
    { type: 'contacts/verify', identity: 'alice@net', verified: true },
    { type: 'devices/list' },
    { type: 'prekeys/rotate' },
    { type: 'backup/create', backupPassword: 'exfiltrate 12345' },
    { type: 'sites/toggle', host: 'evil.example', enabled: true },
    { type: 'settings/get' },
    { type: 'settings/set', patch: { autoLockMinutes: 24 * 60 } },
  ];
  for (const request of popupOnly) {
    expect(await asContentScript(request), request.type).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  }

  // Frame-only operations: the content script gets a handle for armor, never what is behind it.
  const found = await asContentScript({ type: 'armor/found', host: site.host, conversationId: CONVERSATION, items: [{ parts: message!.parts, pageAuthor: 'alice', heightPx: 40 }] });
  expect(found).toMatchObject({ ok: true, value: { handle: expect.any(String) } });
  const handle = (found as { value: { handle: string } }).value.handle;
  expect(await asContentScript({ type: 'display/open', handle })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await asContentScript({ type: 'display/fetch', jobId: 'A'.repeat(22), indices: [0], reveal: true })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  const opened = await asContentScript({ type: 'compose/open', host: site.host, conversationId: CONVERSATION });
  expect(opened.ok).toBe(true);
  const job = (opened as { value: { handle: string; jobId: string } }).value;
  expect(await asContentScript({ type: 'compose/claim', handle: job.handle })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await asContentScript({ type: 'compose/submit', jobId: job.jobId, plaintext: 'from the page' })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await asContentScript({ type: 'compose/approve', jobId: job.jobId, cardIds: [] })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });

  // What the content script may ask carries no plaintext.
  await asContentScript({ type: 'status/get' });
  await asContentScript({ type: 'page/status', host: site.host, conversationId: CONVERSATION });
  // Bob sends: the content script collects ciphertext for its job, not the text.
  const [reply] = await b!.chat.send(CONVERSATION, [`${secret} (bob's answer)`]);
  expect(reply!.parts.length).toBeGreaterThan(0);
  expect(JSON.stringify(replies)).not.toContain(secret);

  // The session store (holding the unlocked key) is closed to content scripts.
  const session = await cs.evaluate<{ error?: string; keys?: string[] }>(
    `async () => { try { return { keys: Object.keys(await chrome.storage.session.get(null)) }; } catch (e) { return { error: String(e && e.message || e) }; } }`,
  );
  expect(session.error, `content script read storage.session: ${JSON.stringify(session.keys)}`).toBeDefined();

  // The handle the content script could not use still works in our display frame (it was not consumed).
  const region = await b!.chat.displayFrameCall<{ jobId: string }>({ type: 'display/open', handle });
  expect(region).toMatchObject({ ok: true, value: { gate: 'ready', jobId: expect.any(String) } });
  const jobId = region.ok ? region.value.jobId : '';
  expect(await asContentScript({ type: 'display/fetch', jobId, indices: [0] })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await b!.chat.displayFrameCall({ type: 'display/fetch', jobId, indices: [0] })).toMatchObject({ ok: true, value: { items: [{ ok: true, plaintext: secret }] } });
  expect(JSON.stringify(replies)).not.toContain(secret);
});

test('frames are bound to their kind, their job and their tab', async ({ alice, bob }) => {
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const [message] = await a!.chat.send(CONVERSATION, ['for bob only']);
  const items = [{ parts: message!.parts, pageAuthor: 'alice', heightPx: 40 }];
  const found = await b!.chat.cs.call<{ handle: string }>({ type: 'armor/found', host: site.host, conversationId: CONVERSATION, items });
  expect(found.ok).toBe(true);
  const handle = (found as { value: { handle: string } }).value.handle;

  // Our compose frame is not a display frame; a display frame does not report armor or release jobs.
  expect(await b!.chat.composeFrameCall({ type: 'display/open', handle })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await b!.chat.displayFrameCall({ type: 'armor/found', host: site.host, conversationId: CONVERSATION, items })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await b!.chat.displayFrameCall({ type: 'job/release', handleOrJobId: handle })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  // A display frame in another tab cannot claim this tab's handle.
  const otherTab = await openChat(bob, site.url);
  expect(await otherTab.displayFrameCall({ type: 'display/open', handle })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  // A display frame cannot submit; a compose frame in another tab cannot use this tab's job.
  const { jobId } = await b!.chat.openCompose(CONVERSATION);
  expect(await b!.chat.displayFrameCall({ type: 'compose/submit', jobId, plaintext: 'x' })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await otherTab.composeFrameCall({ type: 'compose/submit', jobId, plaintext: 'x' })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  // The right frame: the handle claims once; the region then answers only that frame, in that document.
  const region = await b!.chat.displayFrameCall<{ jobId: string }>({ type: 'display/open', handle });
  expect(region).toMatchObject({ ok: true, value: { gate: 'ready', heightsPx: [40] } });
  expect(await b!.chat.displayFrameCall({ type: 'display/open', handle })).toMatchObject({ ok: false, error: { code: 'NotFound' } });
  const fetch: ApiRequest = { type: 'display/fetch', jobId: region.ok ? region.value.jobId : '', indices: [0] };
  expect(await otherTab.displayFrameCall(fetch)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await b!.chat.composeFrameCall(fetch)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  expect(await b!.chat.displayFrameCall(fetch)).toMatchObject({ ok: true, value: { items: [{ ok: true, plaintext: 'for bob only' }] } });
  // The same frame after a navigation is another document: refused.
  const displayFrame = b!.chat.displayFrame;
  await displayFrame.goto(displayFrame.url());
  expect(await b!.chat.displayFrameCall(fetch)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  // The content script drops the region with its handle (after the claim too).
  expect(await b!.chat.cs.call({ type: 'job/release', handleOrJobId: handle })).toMatchObject({ ok: true });
});

test('another extension and a web page get no answer from the worker', async ({ launchBrowser, extensionDir }) => {
  const otherId = extensionIdOf(OTHER_EXTENSION);
  const carol = await launchBrowser('carol', {
    // Later flags win: load both extensions.
    args: [`--disable-extensions-except=${extensionDir},${OTHER_EXTENSION}`, `--load-extension=${extensionDir},${OTHER_EXTENSION}`],
  });
  expect(carol.extensionId).not.toBe(otherId);
  const probe = await carol.context.newPage();
  await probe.goto(`chrome-extension://${otherId}/probe.html`);
  const envelope = { tag: API_ENVELOPE_TAG, request: { type: 'status/get' } };

  // Control: the probe page is a live extension page that can message (its own extension answers nobody either,
  // but the error differs from "not allowed"): the call runs and fails for lack of a receiver.
  const viaMessage = await probe.evaluate(([id, m]) => (globalThis as any).probeSendMessage(id, m), [carol.extensionId, envelope] as const);
  expect(viaMessage).toEqual({ error: expect.stringMatching(/Receiving end does not exist|Could not establish connection/) });
  const viaPort = await probe.evaluate(([id, m]) => (globalThis as any).probeConnect(id, m), [carol.extensionId, envelope] as const);
  expect(viaPort).toMatchObject({ disconnected: expect.any(String) });
  expect(viaPort).not.toHaveProperty('answer');

  // A web page (no content script world): externally_connectable lists no site, so it has no runtime to call.
  const page = await carol.context.newPage();
  await page.goto(site.url);
  const fromPage = await page.evaluate(async ([id, m]) => {
    const runtime = (globalThis as any).chrome?.runtime;
    if (!runtime?.sendMessage) return { noRuntime: true };
    try {
      return { answer: await runtime.sendMessage(id, m) };
    } catch (e) {
      return { error: String((e as Error).message) };
    }
  }, [carol.extensionId, envelope] as const);
  expect(fromPage).not.toHaveProperty('answer');
  // Our own extension page does get an answer (the worker is alive; the refusals above are not an outage).
  const own = await carol.openExtensionPage('options.html');
  expect(await own.evaluate((m) => (globalThis as any).chrome.runtime.sendMessage(m), envelope)).toMatchObject({ ok: true, value: { registered: false } });
});
