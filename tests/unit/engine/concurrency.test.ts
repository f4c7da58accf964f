/**
 * Two tabs of alice send at once on the same conversation, across a sender-key rotation (100 messages) and a worker
 * restart on both sides: bob decrypts every message exactly once, and no (key id, iteration) — no message key — is
 * ever used twice.
 */
import { describe, expect, it } from 'vitest';
import { parseGroupMessage } from '../../../lib/senderkeys';
import { dearmor, EnvelopeKind } from '../../../lib/wire';
import { openChannel, register, send, show, type User } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

const PER_TAB = 55;

describe('concurrent tabs, rotation, restarts', () => {
  it('110 messages from two tabs at once, then more after restarts: each decrypts exactly once, no key reused', async () => {
    let [alice, bob] = (await Promise.all([register(t, 'cc-alice'), register(t, 'cc-bob')])) as [User, User];
    await openChannel(alice, '#cc', ['cc-alice', 'cc-bob'], 350, 1);
    await openChannel(alice, '#cc', ['cc-alice', 'cc-bob'], 350, 2);
    await openChannel(bob, '#cc', ['cc-alice', 'cc-bob']);

    const sent: Array<{ text: string; parts: string[] }> = [];
    const tab = async (n: number) => {
      for (let i = 0; i < PER_TAB; i++) {
        const text = `tab ${n} message ${i}`;
        sent.push({ text, parts: (await send(alice, '#cc', text, n)).parts });
      }
    };
    await Promise.all([tab(1), tab(2)]);
    alice = await alice.restart();
    await openChannel(alice, '#cc', ['cc-alice', 'cc-bob'], 350, 1);
    for (let i = 0; i < 3; i++) sent.push({ text: `after restart ${i}`, parts: (await send(alice, '#cc', `after restart ${i}`)).parts });

    const keys = sent.map(({ parts }) => {
      const env = dearmor(parts.join('\n'));
      expect(env.kind).toBe(EnvelopeKind.SenderKeyMessage);
      const m = parseGroupMessage(env.body);
      return `${m.keyId}:${m.iteration}`;
    });
    expect(new Set(keys).size).toBe(sent.length);
    expect(new Set(keys.map((k) => k.split(':')[0])).size).toBeGreaterThan(1); // rotated after 100 messages

    // Bob reads them in a scrambled order, restarting his worker half way.
    const order = sent.map((_, i) => i).sort((a, b) => ((a * 7919) % 113) - ((b * 7919) % 113));
    for (const [n, i] of order.entries()) {
      if (n === Math.floor(order.length / 2)) {
        bob = await bob.restart();
        await openChannel(bob, '#cc', ['cc-alice', 'cc-bob']);
      }
      const shown = await show(bob, sent[i]!.parts, { conversationId: '#cc', pageAuthor: 'cc-alice' }, 1 + (n % 5));
      expect(shown, sent[i]!.text).toMatchObject({ ok: true, plaintext: sent[i]!.text, fromCache: false });
    }
    // Seen again (a reload): from the cache, never a second decrypt.
    expect(await show(bob, sent[0]!.parts, { conversationId: '#cc', pageAuthor: 'cc-alice' }, 9)).toMatchObject({ ok: true, fromCache: true });
  }, 300_000);

  it('first messages of two conversations shown at once: both fetch the mailbox concurrently, both decrypt', async () => {
    const [ann, cal, bea] = await Promise.all([register(t, 'mb-ann'), register(t, 'mb-cal'), register(t, 'mb-bea')]);
    await openChannel(ann, '#a', ['mb-ann', 'mb-bea']);
    await openChannel(cal, '#b', ['mb-cal', 'mb-bea']);
    await openChannel(bea, '#a', ['mb-ann', 'mb-bea'], 350, 1);
    await openChannel(bea, '#b', ['mb-cal', 'mb-bea'], 350, 2);
    const [m1, m2] = await Promise.all([send(ann, '#a', 'from ann in #a'), send(cal, '#b', 'from cal in #b')]);
    const [r1, r2] = await Promise.all([
      show(bea, m1.parts, { conversationId: '#a', pageAuthor: 'mb-ann' }, 1),
      show(bea, m2.parts, { conversationId: '#b', pageAuthor: 'mb-cal' }, 2),
    ]);
    expect(r1).toMatchObject({ ok: true, plaintext: 'from ann in #a' });
    expect(r2).toMatchObject({ ok: true, plaintext: 'from cal in #b' });
  }, 120_000);
});
