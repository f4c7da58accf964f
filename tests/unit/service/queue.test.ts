import { MARK_AGAIN_AFTER_MS } from '../../../lib/storage/message-cache';
import { describe, expect, it } from 'vitest';
import { SerialQueues } from '../../../lib/service';
import { bobsArmor, openCompose, registeredWorld, senders, showOne, showRegion, type TestWorld } from './fakes';

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
    // The worker dies right after the session step committed (before the service could cache or answer).
    let killed = 0;
    const commit = t.service.keystore.commit.bind(t.service.keystore);
    t.service.keystore.commit = async (writes) => {
      await commit(writes);
      if (writes.some((w) => w.store === 'sessions')) {
        killed++;
        throw new Error('worker killed');
      }
    };
    // The step that dies is the first decrypt: the worker's prefetch at armor/found (or the fetch without one).
    await showOne(t, parts, { conversationId: '#chan', pageAuthor: 'bob' });
    expect(killed).toBe(1);
    const t2 = await t.restart();
    return showOne(t2, parts, { conversationId: '#chan', pageAuthor: 'bob' });
  }

  it('with the plaintext committed in the same transaction as the ratchet step: shown after restart', async () => {
    expect(await killAfterCommit(false)).toMatchObject({ ok: true, plaintext: 'see you at noon', fromCache: true });
  });

  it('control: without it the message would be lost (key used, no plaintext)', async () => {
    expect(await killAfterCommit(true)).toMatchObject({ ok: false, badge: { kind: 'couldNotDecrypt', reason: 'DuplicateMessage' } });
  });
});

describe('the message cache after a display fetch', () => {
  const armors = (n: number, from = 0) => Array.from({ length: n }, (_, i) => bobsArmor(`c-${from + i}`, `cached ${from + i}`));

  it('plaintext an engine committed with its session step is not written a second time', async () => {
    const t = await registeredWorld();
    let puts = 0;
    const put = t.service.cache.put.bind(t.service.cache);
    t.service.cache.put = async (...args) => {
      puts++;
      return put(...args);
    };
    expect((await showRegion(t, armors(5), { conversationId: '#chan' })).every((i) => i.ok)).toBe(true);
    expect(puts).toBe(0);
    expect(await t.service.cache.count()).toBe(5);
    // An engine without session state (card mode): the service writes it.
    t.world.noCacheWrite = true;
    expect((await showRegion(t, armors(3, 5), { conversationId: '#chan' })).every((i) => i.ok && !i.fromCache)).toBe(true);
    expect(puts).toBe(3);
    expect((await showRegion(t, armors(3, 5), { conversationId: '#chan' })).every((i) => i.fromCache)).toBe(true);
  });

  it('the cache bound holds for entries committed by session steps (least recently used go first)', async () => {
    const t = await registeredWorld({ cacheLimit: 10 });
    await showRegion(t, armors(8), { conversationId: '#chan' });
    t.clock.advance(MARK_AGAIN_AFTER_MS); // recently-used marks are exact to MARK_AGAIN_AFTER_MS
    await showRegion(t, armors(1), { conversationId: '#chan' }); // c-0 used again: now the newest
    t.clock.advance(MARK_AGAIN_AFTER_MS);
    await showRegion(t, armors(6, 8), { conversationId: '#chan' });
    expect(await t.service.cache.count()).toBe(10);
    const again = await showRegion(t, armors(14), { conversationId: '#chan' });
    expect(again[0]).toMatchObject({ ok: true, fromCache: true }); // kept: recently used
    expect(again.slice(8).every((i) => i.fromCache)).toBe(true); // the newest
    // 4 of the 7 equally old ones went (their keys are used up: the fake engine says DuplicateMessage now).
    expect(again.slice(1, 8).filter((i) => !i.ok)).toHaveLength(4);
  });
});

