/**
 * The forward-secret parsers and decrypt entry points are total: random and mutated inputs
 * (seeded) end in an OvercryptError with a code, never another exception, and quickly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto } from '../../../lib/crypto/init';
import { OvercryptError } from '../../../lib/errors';
import { deserialiseRecord, peekSessionStart } from '../../../lib/ratchet';
import { MemorySenderKeyStore, decryptGroupMessage, encryptGroupMessage, parseDistribution, prepareOutbound, receiveDistribution } from '../../../lib/senderkeys';
import { utf8 } from '../../../lib/crypto/primitives';
import { BINDING, T0, codeOf, pair } from './harness';

beforeAll(async () => {
  await ensureCrypto();
});

function expectTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OvercryptError);
  }
}

/** A valid message with a few random byte edits, insertions or truncations. */
const mutation = (valid: Uint8Array) =>
  fc
    .array(fc.tuple(fc.constantFrom('set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      let b = Array.from(valid);
      for (const [op, at, v] of edits) {
        const i = b.length ? at % b.length : 0;
        if (op === 'set') b[i] = v;
        else if (op === 'insert') b.splice(i, 0, v);
        else if (op === 'delete') b.splice(i, 1);
        else b = b.slice(0, i);
      }
      return Uint8Array.from(b);
    });

describe('fuzzing', () => {
  it('pairwise: parser and decrypt give typed errors on random and mutated input', async () => {
    const { alice, bob } = await pair();
    const start = await alice.send(bob, 'hello');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutation(start)), (bytes) => expectTyped(() => peekSessionStart(bytes))),
      { seed: 1, numRuns: 3000 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutation(start)), async (bytes) => {
        const before = await bob.snapshot(alice);
        const t = performance.now();
        const code = await codeOf(bob.recv(alice, bytes, BINDING, T0));
        expect(code === undefined || !code.startsWith('non-Overcrypt')).toBe(true);
        if (code !== undefined) expect(await bob.snapshot(alice)).toBe(before);
        expect(performance.now() - t).toBeLessThan(1000);
      }),
      { seed: 2, numRuns: 300 },
    );
  }, 120_000);

  it('sender keys: group messages and distributions give typed errors', async () => {
    const sender = new MemorySenderKeyStore();
    const receiver = new MemorySenderKeyStore();
    const { distribution } = await prepareOutbound(sender, 'c', T0);
    await receiveDistribution(receiver, 'ab'.repeat(32), distribution!, T0);
    const msg = await encryptGroupMessage(sender, 'c', utf8('hi'), BINDING);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutation(distribution!)), (bytes) => expectTyped(() => parseDistribution(bytes))),
      { seed: 3, numRuns: 3000 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutation(msg)), async (bytes) => {
        const code = await codeOf(decryptGroupMessage(receiver, 'c', bytes, BINDING));
        expect(code === undefined || !code.startsWith('non-Overcrypt')).toBe(true);
      }),
      { seed: 4, numRuns: 1000 },
    );
  }, 120_000);

  it('serialised records: mutated JSON gives typed errors', async () => {
    const { alice, bob } = await pair();
    await alice.send(bob, 'x');
    const text = await alice.snapshot(bob);
    fc.assert(
      fc.property(fc.nat(), fc.string({ maxLength: 3 }), (at, insert) => {
        const i = at % text.length;
        expectTyped(() => deserialiseRecord(text.slice(0, i) + insert + text.slice(i + 1)));
      }),
      { seed: 5, numRuns: 2000 },
    );
  });
});
