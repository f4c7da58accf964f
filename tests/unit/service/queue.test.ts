import { describe, expect, it } from 'vitest';
import { SerialQueues } from '../../../lib/service';
import { openCompose, registeredWorld, senders, type TestWorld } from './fakes';

const BOB = 'b0'.repeat(32);

/** Resolves after a random number of microtask/macrotask turns, to shake up interleavings. */
const jitter = () => new Promise<void>((r) => setTimeout(r, Math.floor(Math.random() * 3)));

describe('SerialQueues', () => {
  it('runs tasks of one key one at a time, in arrival order', async () => {
    const q = new SerialQueues();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        q.run('k', async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await jitter();
          log.push(`t${i}`);
          running--;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
    expect(log).toEqual(Array.from({ length: 30 }, (_, i) => `t${i}`));
    expect(q.activeKeys).toBe(0);
  });

  it('different keys run concurrently', async () => {
    const q = new SerialQueues();
    let releaseA!: () => void;
    const a = q.run('a', () => new Promise<string>((r) => (releaseA = () => r('a'))));
    const b = await q.run('b', async () => 'b'); // not blocked by the pending 'a'
    expect(b).toBe('b');
    releaseA();
    expect(await a).toBe('a');
  });

  it('a failure does not block the next task and is returned to its caller only', async () => {
    const q = new SerialQueues();
    const failed = q.run('k', async () => {
      throw new Error('boom');
    });
    const next = q.run('k', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });
});

async function ready(): Promise<{ t: TestWorld; jobs: string[] }> {
  const t = await registeredWorld();
  // Two tabs of the same chat, each with its own compose frame.
  await (await import('./fakes')).reportContext(t, 2);
  const jobs: string[] = [];
  for (const tab of [1, 2]) {
    const { jobId } = await openCompose(t, tab);
    await t.call(senders.compose(tab), { type: 'compose/approve', jobId, cardIds: [BOB] });
    jobs.push(jobId);
  }
  return { t, jobs };
}

describe('per-session ordering under concurrency', () => {
  it('two tabs sending at once never reuse a message key (counter) on the shared session', async () => {
    const { t, jobs } = await ready();
    t.world.onStep = jitter;
    const sends = Array.from({ length: 60 }, (_, i) => {
      const tab = (i % 2) + 1;
      return t.call(senders.compose(tab), { type: 'compose/submit', jobId: jobs[tab - 1]!, plaintext: `message ${i}` });
    });
    const results = await Promise.all(sends);
    expect(results.every((r) => r.ok)).toBe(true);
    const used = t.world.used.get(BOB)!;
    expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(new Set(results.map((r) => r.value.messageId)).size).toBe(60);
  });
});

describe('state committed before the response', () => {
  it('a commit that fails releases no ciphertext, and the next send reuses nothing that was released', async () => {
    const { t, jobs } = await ready();
    const job = jobs[0]!;
    const first = await t.call(senders.compose(), { type: 'compose/submit', jobId: job, plaintext: 'one' });
    expect(first.ok).toBe(true);
    // Simulate the worker dying inside the commit: the transaction never completes.
    const keystore = t.service.keystore;
    const realCommit = keystore.commit.bind(keystore);
    keystore.commit = async () => {
      throw new Error('worker killed during commit');
    };
    const pushesBefore = t.notifier.toFrames.length;
    const crashed = await t.call(senders.compose(), { type: 'compose/submit', jobId: job, plaintext: 'two' });
    expect(crashed.ok).toBe(false);
    expect(t.notifier.toFrames.length).toBe(pushesBefore); // nothing handed to the page
    expect((await t.call(senders.cs(), { type: 'compose/output', jobId: job })).value.outputs).toHaveLength(1); // only 'one'
    keystore.commit = realCommit;
    // The counter handed to the failed step (1) was never released with a ciphertext; it is the next one used.
    const third = await t.call(senders.compose(), { type: 'compose/submit', jobId: job, plaintext: 'three' });
    expect(third.ok).toBe(true);
    expect(t.world.used.get(BOB)).toEqual([0, 1]);
    expect(await t.service.env.sessions.read<{ next: number }>('sessions', BOB)).toEqual({ next: 2 });
  });

  it('a worker killed right after the answer restarts from the committed state (no key reuse)', async () => {
    const { t, jobs } = await ready();
    for (let i = 0; i < 5; i++) {
      expect((await t.call(senders.compose(), { type: 'compose/submit', jobId: jobs[0]!, plaintext: `m${i}` })).ok).toBe(true);
    }
    const t2 = await t.restart(); // same database, same session storage: the worker restarted
    const st = await t2.call(senders.popup(), { type: 'status/get' });
    expect(st.value.locked).toBe(false);
    // The compose job survived in session storage; the frame keeps sending.
    const r = await t2.call(senders.compose(), { type: 'compose/submit', jobId: jobs[0]!, plaintext: 'after restart' });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(t.world.used.get(BOB)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('a received message survives a worker killed right after its key was consumed', () => {
  const bobArmor = () => {
    const armor = {
      messageId: 'bob-42',
      conversationId: '#chan',
      sender: 'bob@irc',
      senderCard: BOB,
      counters: { ['a1'.repeat(32)]: 0 },
      body: Buffer.from(new TextEncoder().encode('see you at noon').map((x) => x ^ 0x5a)).toString('base64'),
    };
    return ['OC1' + Buffer.from(JSON.stringify(armor)).toString('base64')];
  };

  async function killAfterCommit(noCacheWrite: boolean) {
    const t = await registeredWorld();
    t.world.noCacheWrite = noCacheWrite;
    const parts = bobArmor();
    // The worker dies after the session step committed, before the service's own cache write.
    t.service.cache.put = async () => {
      throw new Error('worker killed');
    };
    const found = await t.call(senders.cs(), { type: 'armor/found', host: 'chat.example', conversationId: '#chan', pageAuthor: 'bob', parts });
    const first = await t.call(senders.display(), { type: 'display/fetch', handle: found.value.handle });
    expect(first.value?.ok).not.toBe(true);
    const t2 = await t.restart();
    const again = await t2.call(senders.cs(), { type: 'armor/found', host: 'chat.example', conversationId: '#chan', pageAuthor: 'bob', parts });
    return (await t2.call(senders.display(), { type: 'display/fetch', handle: again.value.handle })).value;
  }

  it('with the plaintext committed in the same transaction as the ratchet step: shown after restart', async () => {
    expect(await killAfterCommit(false)).toMatchObject({ ok: true, plaintext: 'see you at noon', fromCache: true });
  });

  it('control: without it the message would be lost (key used, no plaintext)', async () => {
    expect(await killAfterCommit(true)).toMatchObject({ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'DuplicateMessage' } });
  });
});
