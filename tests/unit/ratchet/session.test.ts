/**
 * Pairwise sessions: session-start until the first reply, replay rejection, tamper rejection with
 * unchanged state, simultaneous initiation, self-healing reset (rate-limited), limits, and
 * serialisation round-trips.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto } from '../../../lib/crypto/init';
import { ErrorCode } from '../../../lib/errors';
import { utf8 } from '../../../lib/crypto/primitives';
import {
  MAX_MESSAGE_GAP,
  MAX_RESETS_PER_WINDOW,
  RESET_WINDOW_MS,
  RATCHET_MESSAGE_TYPE,
  SESSION_START_TYPE,
  deserialiseRecord,
  peekSessionStart,
  serialiseRecord,
} from '../../../lib/ratchet';
import { BINDING, Peer, T0, codeOf, pair } from './harness';

beforeAll(async () => {
  await ensureCrypto();
});

describe('session start and replies', () => {
  it('sends session-starts until the first reply, then ratchet messages; uses up the one-time prekey', async () => {
    const { alice, bob } = await pair();
    const m1 = await alice.send(bob, 'one');
    const m2 = await alice.send(bob, 'two');
    expect(m1[0]).toBe(SESSION_START_TYPE);
    expect(peekSessionStart(m1)).toEqual({ initiatorCardId: alice.cardId });
    const otkCount = (await bob.dev.prekeys.list('oneTime')).length;
    expect(await bob.recv(alice, m2)).toBe('two'); // out of order is fine
    expect((await bob.dev.prekeys.list('oneTime')).length).toBe(otkCount - 1);
    expect(await bob.recv(alice, m1)).toBe('one');
    const r1 = await bob.send(alice, 'reply');
    expect(r1[0]).toBe(RATCHET_MESSAGE_TYPE);
    expect(peekSessionStart(r1)).toBeNull();
    expect(await alice.recv(bob, r1)).toBe('reply');
    const m3 = await alice.send(bob, 'three');
    expect(m3[0]).toBe(RATCHET_MESSAGE_TYPE);
    expect(await bob.recv(alice, m3)).toBe('three');
    expect(m3.length - utf8('three').length).toBe(57); // ratchet overhead
    expect(m1.length - utf8('one').length).toBe(57 + 74); // session-start overhead
  });

  it('a replayed session-start is DuplicateMessage and leaves the record unchanged', async () => {
    const { alice, bob } = await pair();
    const m1 = await alice.send(bob, 'hello');
    expect(await bob.recv(alice, m1)).toBe('hello');
    const before = await bob.snapshot(alice);
    expect(await codeOf(bob.recv(alice, m1))).toBe(ErrorCode.DuplicateMessage);
    expect(await bob.snapshot(alice)).toBe(before);
    // still so after more traffic, and after the session has been reset away
    const r = await bob.send(alice, 'r');
    await alice.recv(bob, r);
    expect(await codeOf(bob.recv(alice, m1))).toBe(ErrorCode.DuplicateMessage);
  });

  it('a base key already seen never restarts a session, even when that session is gone', async () => {
    const { alice, bob } = await pair();
    const m1 = await alice.send(bob, 'hello');
    await bob.recv(alice, m1);
    const record = deserialiseRecord(await bob.snapshot(alice));
    await bob.sessions.save({ ...record, current: null, previous: [] }); // only seenBaseKeys remain
    const before = await bob.snapshot(alice);
    expect(await codeOf(bob.recv(alice, m1))).toBe(ErrorCode.DuplicateMessage);
    expect(await bob.snapshot(alice)).toBe(before);
  });

  it('ratchet messages: duplicates are DuplicateMessage; a wrong binding header is Tampered', async () => {
    const { alice, bob } = await pair();
    await bob.recv(alice, await alice.send(bob, 'hi'));
    const r = await bob.send(alice, 'x');
    expect(await codeOf(alice.recv(bob, r, utf8('another conversation')))).toBe(ErrorCode.Tampered);
    expect(await alice.recv(bob, r)).toBe('x');
    expect(await codeOf(alice.recv(bob, r))).toBe(ErrorCode.DuplicateMessage);
  });

  it('a session-start from another card, or checked against another card key, is refused', async () => {
    const { alice, bob } = await pair();
    const mallory = new Peer('mallory');
    const m1 = await alice.send(bob, 'hello');
    expect(await codeOf(bob.recv(mallory, m1))).toBe(ErrorCode.HeaderMismatch);
    // same card id, another key (a rogue card): X3DH gives another secret -> Tampered
    const rogue = { ...alice.dev.remote, signingPublicKey: mallory.dev.identity.signingPublicKey };
    const { decryptFrom } = await import('../../../lib/ratchet');
    const err = await codeOf(decryptFrom({ sessions: bob.sessions, prekeys: bob.dev.prekeys }, bob.dev.identity, rogue, m1, BINDING, T0));
    expect(err).toBe(ErrorCode.Tampered);
    expect(await bob.snapshot(alice)).toBe('');
    expect(await bob.recv(alice, m1)).toBe('hello');
  });

  it('no session: NoSessionForDevice on both send and receive', async () => {
    const { alice, bob } = await pair();
    expect(await codeOf(bob.send(alice, 'x'))).toBe(ErrorCode.NoSessionForDevice);
    await bob.recv(alice, await alice.send(bob, 'hi'));
    const r = await bob.send(alice, 'x');
    const stranger = new Peer('stranger');
    expect(await codeOf(stranger.recv(bob, r))).toBe(ErrorCode.NoSessionForDevice);
  });

  it('a session-start naming a used or unknown prekey is MissingMessageKey', async () => {
    const { alice, bob } = await pair();
    const m1 = await alice.send(bob, 'hi');
    // Bob lost his signed prekey (e.g. beyond the grace period)
    const spk = (await bob.dev.prekeys.list('signed'))[0]!;
    await bob.dev.prekeys.remove('signed', spk.keyId);
    expect(await codeOf(bob.recv(alice, m1))).toBe(ErrorCode.MissingMessageKey);
    await bob.dev.prekeys.put([spk]);
    expect(await bob.recv(alice, m1)).toBe('hi');
  });
});

describe('limits', () => {
  it(`a jump of more than MAX_MESSAGE_GAP (${MAX_MESSAGE_GAP}) is TooBigMessageGap; exactly the limit works`, async () => {
    const { alice, bob } = await pair();
    await bob.recv(alice, await alice.send(bob, 'hi'));
    await alice.recv(bob, await bob.send(alice, 'reply'));
    const msgs: Uint8Array[] = [];
    for (let i = 0; i <= MAX_MESSAGE_GAP + 1; i++) msgs.push(await alice.send(bob, `m${i}`));
    const before = await bob.snapshot(alice);
    expect(await codeOf(bob.recv(alice, msgs[MAX_MESSAGE_GAP + 1]!))).toBe(ErrorCode.TooBigMessageGap);
    expect(await bob.snapshot(alice)).toBe(before);
    expect(await bob.recv(alice, msgs[MAX_MESSAGE_GAP]!)).toBe(`m${MAX_MESSAGE_GAP}`);
    expect(await bob.recv(alice, msgs[0]!)).toBe('m0'); // from the stored skipped keys
    expect(await bob.recv(alice, msgs[MAX_MESSAGE_GAP + 1]!)).toBe(`m${MAX_MESSAGE_GAP + 1}`);
  }, 120_000);
});

describe('tampering', () => {
  async function flipAll(message: Uint8Array, receiver: Peer, sender: Peer, allowed: (index: number) => string[]) {
    const before = await receiver.snapshot(sender);
    const seen = new Map<string, number>();
    for (let i = 0; i < message.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = message.slice();
        bad[i]! ^= mask;
        const code = await codeOf(receiver.recv(sender, bad));
        expect(allowed(i), `byte ${i} mask ${mask}: ${code}`).toContain(code);
        seen.set(code!, (seen.get(code!) ?? 0) + 1);
        expect(await receiver.snapshot(sender)).toBe(before);
      }
    }
    return seen;
  }

  it('flipping any bit of a session-start fails and changes nothing; its body and tag give Tampered', async () => {
    const { alice, bob } = await pair();
    const m1 = await alice.send(bob, 'a secret message');
    // layout: type 1 | card id 32 | spk id 4 | flag 1 | opk id 4 | base key 32 | ratchet header 41 | body+tag
    const allowed = (i: number): string[] => {
      if (i === 0) return [ErrorCode.UnsupportedVersion];
      if (i <= 32) return [ErrorCode.HeaderMismatch];
      if (i <= 45) return [ErrorCode.MissingMessageKey, ErrorCode.Malformed, ErrorCode.Tampered]; // key ids select keys
      if (i === 74) return [ErrorCode.Malformed];
      if (i >= 115) return [ErrorCode.Tampered];
      return [ErrorCode.Tampered, ErrorCode.Malformed, ErrorCode.TooBigMessageGap];
    };
    await flipAll(m1, bob, alice, allowed);
    expect(await bob.recv(alice, m1)).toBe('a secret message');
  });

  it('flipping any bit of a ratchet message fails and changes nothing; its body and tag give Tampered', async () => {
    const { alice, bob } = await pair();
    await bob.recv(alice, await alice.send(bob, 'hi'));
    const r = await bob.send(alice, 'a reply on a fresh chain');
    const allowed = (i: number): string[] => {
      if (i === 0) return [ErrorCode.UnsupportedVersion];
      if (i >= 41) return [ErrorCode.Tampered];
      return [ErrorCode.Tampered, ErrorCode.Malformed, ErrorCode.TooBigMessageGap];
    };
    const seen = await flipAll(r, alice, bob, allowed);
    expect(seen.get(ErrorCode.Tampered)).toBeGreaterThan(0);
    expect(await alice.recv(bob, r)).toBe('a reply on a fresh chain');
  });
});

describe('simultaneous initiation', () => {
  it('converges on one session whatever the interleaving (per-sender FIFO), and every message decrypts once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('A-send', 'B-send', 'A-recv', 'B-recv'), { minLength: 4, maxLength: 16 }), async (actions) => {
        const alice = new Peer('alice');
        const bob = new Peer('bob');
        await alice.publish();
        await bob.publish();
        await alice.start(bob);
        await bob.start(alice);
        const toBob: [Uint8Array, string][] = [];
        const toAlice: [Uint8Array, string][] = [];
        let n = 0;
        const run = async (a: string) => {
          if (a === 'A-send') toBob.push([await alice.send(bob, `a${n}`), `a${n++}`]);
          if (a === 'B-send') toAlice.push([await bob.send(alice, `b${n}`), `b${n++}`]);
          if (a === 'A-recv' && toAlice.length) {
            const [m, text] = toAlice.shift()!;
            expect(await alice.recv(bob, m)).toBe(text);
          }
          if (a === 'B-recv' && toBob.length) {
            const [m, text] = toBob.shift()!;
            expect(await bob.recv(alice, m)).toBe(text);
          }
        };
        for (const a of ['A-send', 'B-send', ...actions]) await run(a);
        while (toAlice.length || toBob.length) {
          await run('A-recv');
          await run('B-recv');
        }
        // one more round trip each way
        for (const a of ['A-send', 'B-recv', 'B-send', 'A-recv', 'A-send', 'B-recv']) await run(a);
        const ak = await alice.currentBaseKey(bob);
        expect(ak).toBeDefined();
        expect(await bob.currentBaseKey(alice)).toBe(ak);
      }),
      { seed: 2024, numRuns: 25 },
    );
  }, 120_000);
});

describe('self-healing reset', () => {
  it('a peer that lost its state starts over; resets are rate-limited', async () => {
    const { alice, bob } = await pair();
    await alice.publish(10);
    await bob.recv(alice, await alice.send(bob, 'hi'));
    await alice.recv(bob, await bob.send(alice, 'hello'));
    const lost = await alice.send(bob, 'in flight when Bob lost his state');

    bob.sessions = new (bob.sessions.constructor as new () => typeof bob.sessions)();
    expect(await codeOf(bob.recv(alice, lost))).toBe(ErrorCode.NoSessionForDevice);
    let now = T0 + 1000;
    await bob.start(alice, now);
    const oldAliceSession = await alice.currentBaseKey(bob);
    expect(await alice.recv(bob, await bob.send(alice, 'I am back'), BINDING, now)).toBe('I am back');
    expect(await alice.currentBaseKey(bob)).not.toBe(oldAliceSession);
    expect(await bob.recv(alice, await alice.send(bob, 'welcome back'), BINDING, now)).toBe('welcome back');

    // MAX_RESETS_PER_WINDOW resets in the window are accepted (the first above counts) ...
    for (let i = 1; i < MAX_RESETS_PER_WINDOW; i++) {
      await bob.start(alice, now);
      expect(await alice.recv(bob, await bob.send(alice, `reset ${i}`), BINDING, now)).toBe(`reset ${i}`);
    }
    // ... the next one is RateLimited and changes nothing
    await bob.start(alice, now);
    const start = await bob.send(alice, 'one reset too many');
    const before = await alice.snapshot(bob);
    expect(await codeOf(alice.recv(bob, start, BINDING, now))).toBe(ErrorCode.RateLimited);
    expect(await alice.snapshot(bob)).toBe(before);
    // after the window it goes through
    now += RESET_WINDOW_MS;
    expect(await alice.recv(bob, start, BINDING, now)).toBe('one reset too many');
  });
});

describe('serialisation', () => {
  it('records round-trip exactly and keep working after a reload', async () => {
    const { alice, bob } = await pair();
    const pending: Uint8Array[] = [];
    await bob.recv(alice, await alice.send(bob, 'hi'));
    await alice.recv(bob, await bob.send(alice, 'a'));
    for (let i = 0; i < 5; i++) pending.push(await alice.send(bob, `p${i}`));
    await bob.recv(alice, pending[4]!); // leaves skipped keys behind
    for (const peer of [alice, bob]) {
      const other = peer === alice ? bob : alice;
      const text = await peer.snapshot(other);
      const record = deserialiseRecord(text);
      expect(record).toEqual(await peer.sessions.load(other.cardId));
      expect(serialiseRecord(record)).toBe(text);
      await peer.sessions.save(record);
    }
    for (let i = 0; i < 4; i++) expect(await bob.recv(alice, pending[i]!)).toBe(`p${i}`);
    expect(await alice.recv(bob, await bob.send(alice, 'after reload'))).toBe('after reload');
  });

  it('records survive structured clone (what IndexedDB stores) unchanged', async () => {
    const { alice, bob } = await pair();
    await bob.recv(alice, await alice.send(bob, 'hi'));
    for (const [peer, other] of [[alice, bob], [bob, alice]] as const) {
      const record = (await peer.sessions.load(other.cardId))!;
      const cloned = structuredClone(record);
      expect(serialiseRecord(cloned)).toBe(serialiseRecord(record));
      await peer.sessions.save(cloned);
    }
    expect(await alice.recv(bob, await bob.send(alice, 'cloned'))).toBe('cloned');
  });

  it('refuses junk, unknown versions and oversized arrays with typed errors', async () => {
    const { alice, bob } = await pair();
    await alice.send(bob, 'x');
    const text = await alice.snapshot(bob);
    const obj = JSON.parse(text);
    const codeOfSync = (t: string) => codeOf(Promise.resolve().then(() => deserialiseRecord(t)));
    expect(await codeOfSync('not json')).toBe(ErrorCode.Malformed);
    expect(await codeOfSync(JSON.stringify({ ...obj, version: 2 }))).toBe(ErrorCode.UnsupportedVersion);
    expect(await codeOfSync(JSON.stringify({ ...obj, seenBaseKeys: new Array(1000).fill('00'.repeat(32)) }))).toBe(ErrorCode.Malformed);
    const badKey = structuredClone(obj);
    badKey.current.ratchet.rootKey = 'AAAA';
    expect(await codeOfSync(JSON.stringify(badKey))).toBe(ErrorCode.Malformed);
    expect(await codeOfSync(JSON.stringify({ ...obj, remoteCardId: alice.cardId }))).toBe(ErrorCode.Malformed);
  });
});
