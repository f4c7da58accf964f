/**
 * Unit-level analogue of the E2E "worker stopped mid-conversation": a long exchange where the worker restarts
 * between operations and dies inside commits at random points (seeded). Every released ciphertext must use a
 * distinct message counter, and the counters released must be exactly those committed.
 */
import { describe, expect, it } from 'vitest';
import { openCompose, registeredWorld, senders, type TestWorld } from './fakes';

const BOB = 'b0'.repeat(32);

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('restarts and crashes during a long exchange', () => {
  it('300 sends with random restarts and commit failures: no counter reused, none lost', async () => {
    const random = rng(7);
    let t: TestWorld = await registeredWorld();
    const { jobId } = await openCompose(t);
    await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: [BOB] });
    const released: number[] = [];
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const roll = random();
      if (roll < 0.05) t = await t.restart();
      const crash = roll > 0.95;
      if (crash) {
        const ks = t.service.keystore;
        const real = ks.commit.bind(ks);
        ks.commit = async (w) => {
          ks.commit = real;
          throw new Error(`killed ${w.length}`);
        };
      }
      const before = t.world.used.get(BOB)?.length ?? 0;
      const r = await t.call(senders.compose(), { type: 'compose/submit', jobId, plaintext: `message ${i}` });
      if (r.ok) {
        const used = t.world.used.get(BOB)!;
        expect(used.length).toBe(before + 1);
        released.push(used.at(-1)!);
      } else {
        failures++;
        expect(crash).toBe(true);
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect(new Set(released).size).toBe(released.length);
    expect(released).toEqual(Array.from({ length: released.length }, (_, i) => i));
    expect(await t.service.env.sessions.read('sessions', BOB)).toEqual({ next: released.length });
  });
});
