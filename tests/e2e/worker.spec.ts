/**
 * The background worker on the built extension in Chromium, driven through its API exactly as our content script
 * (its isolated world) and our compose/display frames do: a long two-party exchange with the worker stopped between
 * and during operations, and two tabs sending at once on one conversation.
 *
 * OVERCRYPT_E2E_MESSAGES (default 1000, see below) sets the exchange's length; OVERCRYPT_E2E_TAB_MESSAGES (default 200) the
 * messages per tab in the concurrent test.
 */
import { expect, test, type ExtensionBrowser } from '../fixture';
import { openChat, setUpParties, startTestSite, type Chat, type Sent, type Shown, type TestSite } from '../fixture/register';
import { startDirectory, type Directory } from '../harness/directory';
import { dearmor, EnvelopeKind } from '../../lib/wire';
import { parseGroupMessage } from '../../lib/senderkeys/message';

/**
 * The issue asks for 1,000 (3.6 min alone on this 2-core box, 7.8 min when other work loads it; the timeout scales
 * with the count). OVERCRYPT_E2E_MESSAGES=200 makes a quick local run.
 */
const EXCHANGE_MESSAGES = Number(process.env.OVERCRYPT_E2E_MESSAGES ?? 1000);
const TAB_MESSAGES = Number(process.env.OVERCRYPT_E2E_TAB_MESSAGES ?? 200);
/** Messages per turn: one side sends a batch, the other shows it, then the other way round. */
const BATCH = 10;
const CONVERSATION = '#c';

/** (key id, iteration) of a chat message's sender-key header: one message key per pair. */
function messageKeyOf(parts: readonly string[]): { keyId: number; iteration: number } {
  const envelope = dearmor(parts.join('\n'));
  expect(envelope.kind).toBe(EnvelopeKind.SenderKeyMessage);
  const { keyId, iteration } = parseGroupMessage(envelope.body);
  return { keyId, iteration };
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

/** How many stops landed while a batch was still running (mid-batch), as opposed to after it. */
let stopsMidBatch = 0;

/**
 * Stops `browser`'s worker while `work` runs: stopped first, so `work`'s first request wakes it (crypto start-up),
 * then stopped again as soon as it runs, which lands on a request in flight or between two requests of the batch.
 */
async function stopDuring<T>(browser: ExtensionBrowser, work: () => Promise<T>): Promise<T> {
  await browser.stopServiceWorker();
  let finished = false;
  const running = work().finally(() => (finished = true));
  await browser.stopServiceWorker();
  if (!finished) stopsMidBatch++;
  return running;
}

test(`a ${EXCHANGE_MESSAGES}-message exchange survives worker stops between and during operations`, async ({ alice, bob }, testInfo) => {
  test.setTimeout(120_000 + EXCHANGE_MESSAGES * 1_200);
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const started = performance.now();
  stopsMidBatch = 0;
  const sent: Array<Sent & { from: string }> = [];
  const shown: Shown[] = [];
  let stopsBetween = 0;
  let stopsDuring = 0;
  for (let turn = 0, n = 0; n < EXCHANGE_MESSAGES; turn++) {
    const [from, to] = turn % 2 === 0 ? [a!, b!] : [b!, a!];
    const texts = Array.from({ length: Math.min(BATCH, EXCHANGE_MESSAGES - n) }, (_, i) => `m${n + i} from ${from.handle}: ${'x'.repeat((n + i) % 40)}`);
    n += texts.length;
    // Every 3rd turn the sender's worker dies while encrypting; every 4th the receiver's while decrypting;
    // every 5th both are stopped between turns.
    const out = turn % 3 === 1 ? (stopsDuring++, await stopDuring(from.browser, () => from.chat.send(CONVERSATION, texts))) : await from.chat.send(CONVERSATION, texts);
    const parts = out.map((s) => s.parts);
    const seen = turn % 4 === 2 ? (stopsDuring++, await stopDuring(to.browser, () => to.chat.show(CONVERSATION, from.handle, parts))) : await to.chat.show(CONVERSATION, from.handle, parts);
    sent.push(...out.map((s) => ({ ...s, from: from.identity })));
    shown.push(...seen);
    if (turn % 5 === 4) {
      stopsBetween++;
      await Promise.all([alice.stopServiceWorker(), bob.stopServiceWorker()]);
    }
  }
  const elapsed = performance.now() - started;
  const retried = a!.chat.retries + b!.chat.retries;
  testInfo.annotations.push({
    type: 'exchange',
    description: JSON.stringify({
      messages: sent.length,
      ms: Math.round(elapsed),
      msPerMessage: Math.round((elapsed / sent.length) * 10) / 10,
      stopsBetween,
      stopsDuring,
      stopsMidBatch,
      callsDroppedByAStopAndRetried: retried,
    }),
  });

  // None lost, each shown once with its own text, from the right sender, in the right conversation.
  expect(shown).toHaveLength(EXCHANGE_MESSAGES);
  for (let i = 0; i < sent.length; i++) {
    const s = shown[i]!;
    expect(s, `message ${i}`).toMatchObject({ ok: true, plaintext: sent[i]!.text });
    expect(s.header).toMatchObject({ senderIdentity: sent[i]!.from, conversationId: CONVERSATION, messageId: sent[i]!.messageId });
    expect(['firstSeen', 'verified']).toContain(s.badge.kind);
  }
  expect(new Set(sent.map((s) => s.messageId)).size).toBe(EXCHANGE_MESSAGES);
  // No message key reused: every (sender, key id, iteration) is distinct.
  const keys = sent.map((s) => {
    const k = messageKeyOf(s.parts);
    return `${s.from}/${k.keyId}/${k.iteration}`;
  });
  expect(new Set(keys).size).toBe(EXCHANGE_MESSAGES);
  // Stops really landed inside running batches (whether Chrome then dropped a request in flight — which the driver
  // retries, as our content script and frames do — is Chrome's timing: counted above, not asserted).
  expect(stopsMidBatch).toBeGreaterThan(stopsDuring / 2);

  // Decrypted exactly once: shown again (page reload, history scroll) it comes from the message cache.
  const sample = [0, 1, Math.floor(EXCHANGE_MESSAGES / 2), EXCHANGE_MESSAGES - 1].filter((i, k, all) => all.indexOf(i) === k);
  for (const i of sample) {
    const s = sent[i]!;
    const reader = s.from === a!.identity ? b! : a!;
    const [again] = await reader.chat.show(CONVERSATION, s.from.split('@')[0]!, [s.parts]);
    expect(again).toMatchObject({ ok: true, plaintext: s.text, fromCache: true });
  }
});

test(`two tabs send ${TAB_MESSAGES} messages each at once on one conversation; all decrypt on the other side`, async ({ alice, bob }, testInfo) => {
  test.setTimeout(Math.max(240_000, TAB_MESSAGES * 1_200));
  const [a, b] = await setUpParties(
    [
      { browser: alice, handle: 'alice' },
      { browser: bob, handle: 'bob' },
    ],
    { directoryUrl: directory.url, site, conversationId: CONVERSATION },
  );
  const second: Chat = await openChat(alice, site.url);
  await second.report({ namespace: 'net', selfHandle: 'alice', conversationId: CONVERSATION, participants: ['alice', 'bob'] });
  const texts = (tab: number) => Array.from({ length: TAB_MESSAGES }, (_, i) => `tab ${tab} message ${i}`);

  const started = performance.now();
  const [one, two] = await Promise.all([a!.chat.send(CONVERSATION, texts(1)), second.send(CONVERSATION, texts(2))]);
  const sendMs = performance.now() - started;
  const all = [...one, ...two];
  const seen = await b!.chat.show(CONVERSATION, 'alice', all.map((s) => s.parts));
  testInfo.annotations.push({
    type: 'two tabs',
    description: JSON.stringify({ messages: all.length, concurrentSendMs: Math.round(sendMs), totalMs: Math.round(performance.now() - started) }),
  });

  expect(seen.map((s) => s.plaintext)).toEqual(all.map((s) => s.text));
  expect(seen.every((s) => s.ok)).toBe(true);
  const keys = all.map((s) => {
    const k = messageKeyOf(s.parts);
    return `${k.keyId}/${k.iteration}`;
  });
  expect(new Set(keys).size).toBe(all.length);
  // The two tabs really ran at once (their send times overlap), on the one sender key of this conversation.
  const times = (from: number, to: number) => seen.slice(from, to).map((s) => s.header!.sentAt);
  const [t1, t2] = [times(0, one.length), times(one.length, all.length)];
  expect(Math.min(...t2)).toBeLessThan(Math.max(...t1));
  expect(Math.min(...t1)).toBeLessThan(Math.max(...t2));
});
