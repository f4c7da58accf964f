/**
 * Property: whatever the network does within the limits — loss, reordering, duplication — every
 * delivered message decrypts exactly once (to the right text), every repeat is DuplicateMessage,
 * and reloading a record from its serialised form at any point changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto } from '../../../lib/crypto/init';
import { ErrorCode } from '../../../lib/errors';
import { deserialiseRecord, hasSession } from '../../../lib/ratchet';
import { Peer, codeOf, pair } from './harness';

beforeAll(async () => {
  await ensureCrypto();
});

type Action = { kind: 'A-send' | 'B-send' | 'A-deliver' | 'B-deliver' | 'A-reload' | 'B-reload'; pick: number };

const action = fc.record({
  kind: fc.constantFrom<Action['kind']>('A-send', 'A-send', 'B-send', 'B-send', 'A-deliver', 'B-deliver', 'A-deliver', 'B-deliver', 'A-reload', 'B-reload'),
  pick: fc.nat(),
});

interface Sent {
  bytes: Uint8Array;
  text: string;
  delivered: boolean;
}

describe('loss, reordering and duplication', () => {
  it('each message decrypts exactly once; repeats are DuplicateMessage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 45 }), async (actions) => {
        const { alice, bob } = await pair();
        const pool: Record<'A' | 'B', Sent[]> = { A: [], B: [] }; // messages addressed to A / to B
        let n = 0;
        const peers = { A: alice, B: bob };
        const other = (p: 'A' | 'B'): 'A' | 'B' => (p === 'A' ? 'B' : 'A');
        for (const { kind, pick } of actions) {
          const who = kind[0] as 'A' | 'B';
          const me: Peer = peers[who];
          const them: Peer = peers[other(who)];
          if (kind.endsWith('send')) {
            if (!(await hasSession(me.sessions, them.cardId))) continue;
            const text = `${who}${n++}`;
            pool[other(who)].push({ bytes: await me.send(them, text), text, delivered: false });
          } else if (kind.endsWith('deliver')) {
            const inbox = pool[who];
            if (inbox.length === 0) continue;
            const m = inbox[pick % inbox.length]!;
            if (m.delivered) {
              const before = await me.snapshot(them);
              expect(await codeOf(me.recv(them, m.bytes))).toBe(ErrorCode.DuplicateMessage);
              expect(await me.snapshot(them)).toBe(before);
            } else {
              expect(await me.recv(them, m.bytes)).toBe(m.text);
              m.delivered = true;
            }
          } else {
            const text = await me.snapshot(them);
            if (text) await me.sessions.save(deserialiseRecord(text));
          }
        }
        // Everything never delivered (the "lost" ones) still decrypts once, in any order.
        for (const who of ['A', 'B'] as const) {
          for (const m of pool[who].filter((x) => !x.delivered).reverse()) {
            expect(await peers[who].recv(peers[other(who)], m.bytes)).toBe(m.text);
          }
        }
      }),
      { seed: 7748, numRuns: 40 },
    );
  }, 180_000);
});
