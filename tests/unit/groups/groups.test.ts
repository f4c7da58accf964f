import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ensureCrypto } from '../../../lib/crypto/init';
import { exportPublicKeyBase64, generateIdentityKey, type KeyPair } from '../../../lib/cards';
import {
  createGroup, decodeSignedRecord, GroupRecordQueue, GroupState, issueRecord, MembershipAction, signRecord,
  type SignedMembershipRecord,
} from '../../../lib/groups';
import { ErrorCode, OvercryptError } from '../../../lib/errors';

let aliceKey: KeyPair;
let aliceKeyB64: string;
beforeAll(async () => {
  await ensureCrypto();
  aliceKey = generateIdentityKey();
  aliceKeyB64 = exportPublicKeyBase64(aliceKey.publicKey);
});

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof OvercryptError) return e.code;
    throw e;
  }
}

function setup() {
  const created = createGroup({ owner: 'alice', ownerIdentityKey: aliceKey, members: ['bob', 'carol'], now: 1 });
  const follower = GroupState.genesis(created.record.wire, aliceKeyB64);
  return { owner: created.state, genesis: created.record, follower };
}

describe('group membership records', () => {
  it('creation, add and removal; removal asks every remaining sender to rotate', () => {
    const { owner, follower } = setup();
    expect(owner.members).toEqual(['alice', 'bob', 'carol']);
    const add = issueRecord(owner, aliceKey, MembershipAction.Add, ['dave'], 2);
    const rem = issueRecord(add.state, aliceKey, MembershipAction.Remove, ['carol'], 3);
    const f1 = follower.apply(add.record.wire);
    const f2 = f1.apply(rem.record.wire);
    expect(f2.toJSON()).toEqual(rem.state.toJSON());
    expect(f2.members).toEqual(['alice', 'bob', 'dave']);
    expect(f1.membersToRekey(follower)).toEqual({ added: ['dave'], removed: [], mustRotateSenderKeys: false, distributeTo: ['alice', 'bob', 'carol', 'dave'] });
    expect(f2.membersToRekey(f1)).toEqual({ added: [], removed: ['carol'], mustRotateSenderKeys: true, distributeTo: ['alice', 'bob', 'dave'] });
    expect(f1.epoch).toBe(1);
    expect(follower.epoch).toBe(0); // apply is pure
  });

  it('the removed member applying her removal can no longer send', () => {
    const { owner, follower } = setup();
    const rem = issueRecord(owner, aliceKey, MembershipAction.Kick, ['carol'], 2);
    const carolView = follower.apply(rem.record.wire);
    expect(codeOf(() => carolView.assertCanSend('carol'))).toBe(ErrorCode.Forbidden);
    expect(codeOf(() => carolView.assertCanSend('bob'))).toBe('ok');
  });

  it('bob, whose copy of the removal is withheld, sees a newer epoch and waits for the record before sending', () => {
    const { owner, follower: bob } = setup();
    const rem = issueRecord(owner, aliceKey, MembershipAction.Remove, ['carol'], 2);
    expect(bob.classifyMessageEpoch(1)).toBe('newer');
    const waiting = bob.observeMessageEpoch(1);
    expect(codeOf(() => waiting.assertCanSend('bob'))).toBe(ErrorCode.AwaitingMembershipRecord);
    const caughtUp = waiting.apply(rem.record.wire);
    expect(codeOf(() => caughtUp.assertCanSend('bob'))).toBe('ok');
    expect(caughtUp.membersToRekey(bob).distributeTo).not.toContain('carol');
  });

  it('older epochs, forks, gaps and records from anyone but the pinned owner are refused', () => {
    const { owner, follower } = setup();
    const r1 = issueRecord(owner, aliceKey, MembershipAction.Add, ['dave'], 2);
    const r2 = issueRecord(r1.state, aliceKey, MembershipAction.Add, ['erin'], 3);
    const f1 = follower.apply(r1.record);
    const f2 = f1.apply(r2.record);
    expect(codeOf(() => f2.apply(r1.record))).toBe(ErrorCode.StaleEpoch);
    expect(f2.apply(r2.record)).toBe(f2); // exact duplicate: no-op
    const fork = issueRecord(r1.state, aliceKey, MembershipAction.Add, ['frank'], 3);
    expect(codeOf(() => f2.apply(fork.record))).toBe(ErrorCode.GroupFork);
    const badPrev = signRecord({ ...r2.record.record, epoch: 3, prev: r1.record.hash }, aliceKey.privateKey);
    expect(codeOf(() => f2.apply(badPrev))).toBe(ErrorCode.GroupFork);
    expect(codeOf(() => follower.apply(r2.record))).toBe(ErrorCode.AwaitingMembershipRecord);
    const mallory = generateIdentityKey();
    const forged = signRecord({ ...r1.record.record, ownerKey: exportPublicKeyBase64(mallory.publicKey) }, mallory.privateKey);
    expect(codeOf(() => follower.apply(forged))).toBe(ErrorCode.NotGroupOwner);
    const spoofedGenesis = createGroup({ owner: 'alice', ownerIdentityKey: mallory, members: ['bob'], now: 1 });
    expect(codeOf(() => GroupState.genesis(spoofedGenesis.record, aliceKeyB64))).toBe(ErrorCode.NotGroupOwner);
  });

  it('any byte change of a record is refused', () => {
    const { owner, follower } = setup();
    const { record } = issueRecord(owner, aliceKey, MembershipAction.Add, ['dave'], 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: record.wire.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bad = record.wire.slice();
        bad[pos]! ^= mask;
        expect([ErrorCode.BadSignature, ErrorCode.Malformed, ErrorCode.UnsupportedVersion, ErrorCode.TooLarge, ErrorCode.NotGroupOwner, ErrorCode.GroupFork, ErrorCode.AwaitingMembershipRecord, ErrorCode.StaleEpoch]).toContain(codeOf(() => follower.apply(bad)));
      }),
      { numRuns: 400, seed: 3 },
    );
  });

  it('bans block re-adding until unbanned; delete ends the chain', () => {
    const { owner } = setup();
    const ban = issueRecord(owner, aliceKey, MembershipAction.Ban, ['carol'], 2);
    expect(ban.state.banned).toEqual(['carol']);
    expect(codeOf(() => issueRecord(ban.state, aliceKey, MembershipAction.Add, ['carol'], 3))).toBe(ErrorCode.Conflict);
    const unban = issueRecord(ban.state, aliceKey, MembershipAction.Unban, ['carol'], 3);
    const readd = issueRecord(unban.state, aliceKey, MembershipAction.Add, ['carol'], 4);
    expect(readd.state.members).toContain('carol');
    const del = issueRecord(readd.state, aliceKey, MembershipAction.Delete, [], 5);
    expect(del.state.deleted).toBe(true);
    expect(codeOf(() => del.state.assertCanSend('alice'))).toBe(ErrorCode.StaleEpoch);
    expect(codeOf(() => issueRecord(del.state, aliceKey, MembershipAction.Add, ['zed'], 6))).toBe(ErrorCode.StaleEpoch);
    expect(codeOf(() => issueRecord(owner, aliceKey, MembershipAction.Remove, ['alice'], 2))).toBe(ErrorCode.Conflict);
  });

  it('a follower replaying a random owner history in any arrival order reaches the owner\'s state; state round-trips through JSON', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(MembershipAction.Add, MembershipAction.Remove, MembershipAction.Ban, MembershipAction.Unban), fc.constantFrom('bob', 'carol', 'dave', 'erin')), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (ops, shuffleSeed) => {
          const { owner, follower } = setup();
          let state = owner;
          const records: SignedMembershipRecord[] = [];
          for (const [action, who] of ops) {
            try {
              const next = issueRecord(state, aliceKey, action, [who], records.length + 2);
              state = next.state;
              records.push(next.record);
            } catch (e) {
              expect((e as OvercryptError).code).toBe(ErrorCode.Conflict);
            }
          }
          const order = records.map((r, i) => ({ r, k: (i * 7919 + shuffleSeed) % 101 })).sort((a, b) => a.k - b.k).map((x) => x.r);
          const queue = new GroupRecordQueue(follower);
          for (const r of order) queue.offer(r.wire);
          expect(queue.state.toJSON()).toEqual(state.toJSON());
          expect(GroupState.fromJSON(JSON.parse(JSON.stringify(queue.state))).toJSON()).toEqual(state.toJSON());
        },
      ),
      { numRuns: 25, seed: 11 },
    );
  });

  it('decodes a record it signed and refuses non-canonical member lists', () => {
    const { owner } = setup();
    const { record } = issueRecord(owner, aliceKey, MembershipAction.Add, ['zed', 'dave', 'dave'], 2);
    expect(decodeSignedRecord(record.wire).record.members).toEqual(['dave', 'zed']);
  });
});
