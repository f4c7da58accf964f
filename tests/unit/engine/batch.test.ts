/**
 * Display regions with the real engines: many sender-key messages decrypted in one session step per key
 * (lib/engine/chat.ts decryptChatBatch) — order, gaps, duplicates, a tampered message in the middle, restarts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngines } from '../../../lib/engine';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import type { SessionKind } from '../../../lib/service';
import { ciphertextDigest } from '../../../lib/storage/message-cache';
import { HOST, openChannel, register, sendMany, show, showRegion, type User } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

/** Flips one base62 character in the middle of the first part's data. */
function tamper(parts: string[]): string[] {
  const p = parts[0]!;
  const at = Math.floor(p.length / 2);
  return [p.slice(0, at) + (p[at] === 'a' ? 'b' : 'a') + p.slice(at + 1), ...parts.slice(1)];
}

/** Counts `env.sessions.update` calls per kind on `u`'s service (the batch path must use one per sender key). */
function countUpdates(u: User): Map<SessionKind, number> {
  const counts = new Map<SessionKind, number>();
  const sessions = u.service.env.sessions;
  const update = sessions.update.bind(sessions);
  sessions.update = (kind, id, step) => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return update(kind, id, step);
  };
  return counts;
}

const texts = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} ${i}`);

describe('decrypting a region of sender-key messages', () => {
  let alice: User;
  let bob: User;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([register(t, 'rg-alice'), register(t, 'rg-bob')]);
    for (const u of [alice, bob]) await openChannel(u, '#rg', ['rg-alice', 'rg-bob']);
    // The first message brings the sender key (mailbox); the tests below start with it received.
    const [first] = await sendMany(alice, '#rg', ['key handover']);
    expect((await show(bob, first!, { conversationId: '#rg', pageAuthor: 'rg-alice' })).plaintext).toBe('key handover');
  }, 120_000);

  it('messages out of order and with gaps open in one session step; the skipped ones open later', async () => {
    const sent = texts('gap', 12);
    const parts = await sendMany(alice, '#rg', sent);
    const order = [7, 2, 9, 0, 5, 11]; // page order differs from send order; 1, 3, 4, 6, 8, 10 are not in the region
    const counts = countUpdates(bob);
    const items = await showRegion(bob, order.map((i) => parts[i]!), { conversationId: '#rg', pageAuthor: 'rg-alice' });
    expect(items.map((i) => i.plaintext)).toEqual(order.map((i) => sent[i]));
    expect(items.every((i) => i.ok && !i.fromCache && i.badge.kind === 'firstSeen')).toBe(true);
    expect(counts.get('senderKeys')).toBe(1);
    const rest = [1, 3, 4, 6, 8, 10];
    const later = await showRegion(bob, rest.map((i) => parts[i]!), { conversationId: '#rg', pageAuthor: 'rg-alice' }, 2);
    expect(later.map((i) => i.plaintext)).toEqual(rest.map((i) => sent[i]));
    expect(counts.get('senderKeys')).toBe(2);
    const all = await showRegion(bob, parts, { conversationId: '#rg', pageAuthor: 'rg-alice' }, 3);
    expect(all.every((i) => i.ok && i.fromCache)).toBe(true);
    expect(counts.get('senderKeys')).toBe(2); // everything from the cache
  }, 120_000);

  it('a tampered message in the middle fails alone; the others keep their step, also after a restart', async () => {
    const sent = texts('mid', 5);
    const parts = await sendMany(alice, '#rg', sent);
    const region = [parts[0]!, parts[1]!, tamper(parts[2]!), parts[3]!];
    const items = await showRegion(bob, region, { conversationId: '#rg', pageAuthor: 'rg-alice' });
    expect(items.map((i) => (i.ok ? i.plaintext : i.badge))).toEqual([sent[0], sent[1], { kind: 'couldNotDecrypt', reason: ErrorCode.Tampered }, sent[3]]);
    // The worker restarts: what was shown comes from the cache (committed with the step), the key moved on.
    bob = await bob.restart();
    const again = await showRegion(bob, [parts[0]!, parts[2]!, parts[3]!, parts[4]!], { conversationId: '#rg', pageAuthor: 'rg-alice' });
    expect(again.map((i) => [i.plaintext, i.fromCache])).toEqual([
      [sent[0], true],
      [sent[2], false], // the genuine copy of the tampered one: its key was kept as skipped
      [sent[3], true],
      [sent[4], false],
    ]);
  }, 120_000);

  it('the same message twice in a region is decrypted once and shown twice; a used key is DuplicateMessage', async () => {
    const sent = texts('dup', 2);
    const parts = await sendMany(alice, '#rg', sent);
    const items = await showRegion(bob, [parts[0]!, parts[1]!, parts[0]!], { conversationId: '#rg', pageAuthor: 'rg-alice' });
    expect(items.map((i) => i.plaintext)).toEqual([sent[0], sent[1], sent[0]]);
    expect(items[2]).toEqual(items[0]);
    // Straight to the engine (no cache in front): the key of a message already read is gone.
    const engine = createEngines().messages;
    const input = { parts: parts[1]!, host: HOST, digest: await ciphertextDigest(parts[1]!) };
    const results = await engine.decryptBatch!(bob.service.env, [input, { ...input, parts: ['not armor at all'] }]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: ErrorCode.DuplicateMessage } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: ErrorCode.Malformed } });
  }, 120_000);

  it('two senders (two keys) in one region: one step per key; an unknown key fetches the mailbox once', async () => {
    const carol = await register(t, 'rg-carol');
    for (const u of [alice, bob, carol]) await openChannel(u, '#rg3', ['rg-alice', 'rg-bob', 'rg-carol']);
    const fromAlice = await sendMany(alice, '#rg3', texts('a3', 3));
    const fromCarol = await sendMany(carol, '#rg3', texts('c3', 3));
    const region = [fromAlice[0]!, fromCarol[0]!, fromAlice[1]!, fromCarol[1]!, fromAlice[2]!, fromCarol[2]!];
    const counts = countUpdates(bob);
    const mailbox = bob.service.directory.fetchMailbox.bind(bob.service.directory);
    let fetches = 0;
    bob.service.directory.fetchMailbox = (...args) => {
      fetches++;
      return mailbox(...args);
    };
    const items = await showRegion(bob, region, { conversationId: '#rg3' });
    expect(items.map((i) => `${i.senderName}: ${i.plaintext}`)).toEqual([
      'rg-alice@irc: a3 0',
      'rg-carol@irc: c3 0',
      'rg-alice@irc: a3 1',
      'rg-carol@irc: c3 1',
      'rg-alice@irc: a3 2',
      'rg-carol@irc: c3 2',
    ]);
    expect(fetches).toBe(1); // both keys were new: one mailbox fetch for the region
    // Each new key stored once (mailbox) and opened once after it: not one step per message, and no step on a key
    // the store did not hold yet.
    expect(counts.get('senderKeys')).toBeLessThanOrEqual(2 + 2);
  }, 180_000);

  it('regions decrypted at once that all need a new key share one mailbox fetch', async () => {
    const erin = await register(t, 'rg-erin');
    for (const u of [bob, erin]) await openChannel(u, '#rg5', ['rg-bob', 'rg-erin']);
    const sent = texts('e5', 6);
    const parts = await sendMany(erin, '#rg5', sent); // erin's key waits in bob's mailbox
    const directory = bob.service.directory;
    const fetchMailbox = directory.fetchMailbox.bind(directory);
    let fetches = 0;
    directory.fetchMailbox = (...args) => {
      fetches++;
      return fetchMailbox(...args);
    };
    try {
      const engine = createEngines().messages;
      const inputs = await Promise.all(parts.map(async (p) => ({ parts: p, host: HOST, digest: await ciphertextDigest(p) })));
      const regions = [inputs.slice(0, 2), inputs.slice(2, 4), inputs.slice(4)];
      const results = await Promise.all(regions.map((r) => engine.decryptBatch!(bob.service.env, r)));
      expect(results.flat().map((r) => (r.ok ? r.out.plaintext : r.error))).toEqual(sent);
      expect(fetches).toBe(1); // one page of the mailbox (it holds fewer than a page) for the three regions
    } finally {
      directory.fetchMailbox = fetchMailbox;
    }
  }, 180_000);

  it('a page of the mailbox: one ratchet step per peer for all its keys; a tampered envelope is refused alone; all acked', async () => {
    const fred = await register(t, 'rg-fred');
    const channels = ['#rg6a', '#rg6b', '#rg6c'];
    const sent = [];
    for (const c of channels) {
      for (const u of [bob, fred]) await openChannel(u, c, ['rg-bob', 'rg-fred']);
      sent.push((await sendMany(fred, c, [`hello ${c}`]))[0]!); // three keys for bob, one envelope each
    }
    const directory = bob.service.directory;
    const fetchMailbox = directory.fetchMailbox.bind(directory);
    directory.fetchMailbox = async (...args) => {
      const page = await fetchMailbox(...args);
      const envelopes = page.envelopes.map((e, i) => {
        if (i !== 1) return e;
        const at = Math.floor(e.envelope.length / 2);
        return { ...e, envelope: e.envelope.slice(0, at) + (e.envelope[at] === 'A' ? 'B' : 'A') + e.envelope.slice(at + 1) };
      });
      return { ...page, envelopes };
    };
    const counts = countUpdates(bob);
    try {
      const { processed } = await createEngines().keys.fetchMailbox(bob.service.env);
      expect(processed).toBe(2);
      expect(counts.get('sessions')).toBe(1); // one ratchet step for fred's three envelopes
      expect(counts.get('senderKeys')).toBe(2); // the two keys that opened
    } finally {
      directory.fetchMailbox = fetchMailbox;
    }
    expect((await fetchMailbox((await bob.service.env.account())!.deviceCardId)).envelopes).toEqual([]); // all acked
    const engine = createEngines().messages;
    const results = await Promise.all(
      sent.map(async (parts) => (await engine.decryptBatch!(bob.service.env, [{ parts, host: HOST, digest: await ciphertextDigest(parts) }]))[0]!),
    );
    expect(results.map((r) => (r.ok ? r.out.plaintext : (r.error as { code: string }).code))).toEqual(['hello #rg6a', ErrorCode.UnknownSenderKey, 'hello #rg6c']);
  }, 180_000);

  it('a new key in the region: the mailbox is fetched before the known key is used; if it fails, only the new key\'s messages fail', async () => {
    const dave = await register(t, 'rg-dave');
    for (const u of [alice, bob, dave]) await openChannel(u, '#rg4', ['rg-alice', 'rg-bob', 'rg-dave']);
    const [handover] = await sendMany(alice, '#rg4', ['alice key handover']);
    await showRegion(bob, [handover!], { conversationId: '#rg4' }); // bob holds alice's key for #rg4
    const fromAlice = await sendMany(alice, '#rg4', texts('a4', 2));
    const fromDave = await sendMany(dave, '#rg4', texts('d4', 2)); // dave's key is still in bob's mailbox
    const region = [fromAlice[0]!, fromDave[0]!, fromAlice[1]!, fromDave[1]!];
    const events: string[] = [];
    const directory = bob.service.directory;
    const fetchMailbox = directory.fetchMailbox.bind(directory);
    const sessions = bob.service.env.sessions;
    const update = sessions.update.bind(sessions);
    sessions.update = async (kind, id, step) => {
      const out = await update(kind, id, step);
      if (kind === 'senderKeys') events.push('senderKeys done');
      return out;
    };
    try {
      directory.fetchMailbox = async () => {
        events.push('mailbox');
        throw new OvercryptError(ErrorCode.Network, 'directory unreachable');
      };
      const items = await showRegion(bob, region, { conversationId: '#rg4' });
      expect(items.map((i) => (i.ok ? i.plaintext : i.badge))).toEqual([
        'a4 0',
        { kind: 'couldNotDecrypt', reason: ErrorCode.Network },
        'a4 1',
        { kind: 'couldNotDecrypt', reason: ErrorCode.Network },
      ]);
      expect(events[0]).toBe('mailbox'); // asked for before alice's key was done with, so the two overlap
      // The directory is back: dave's messages open (alice's come from the cache).
      directory.fetchMailbox = fetchMailbox;
      const again = await showRegion(bob, region, { conversationId: '#rg4' }, 2);
      expect(again.map((i) => [i.plaintext, i.fromCache])).toEqual([
        ['a4 0', true],
        ['d4 0', false],
        ['a4 1', true],
        ['d4 1', false],
      ]);
    } finally {
      directory.fetchMailbox = fetchMailbox;
      sessions.update = update;
    }
  }, 180_000);
});
