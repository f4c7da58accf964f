/**
 * A group's membership as one immutable value. `apply(record)` is pure: it returns
 * the next state or throws, and never changes `this`.
 *
 * Rules (seed 003 + issue #3):
 * - Only the owner, with the identity key pinned at creation, signs records
 *   (`NotGroupOwner` / `BadSignature`).
 * - Records extend the chain one epoch at a time: an older or equal epoch is refused
 *   (`StaleEpoch`; an exact duplicate of our head is accepted as a no-op), a record
 *   whose `prev` is not our head is a fork (`GroupFork`), a gap means we are missing
 *   records (`AwaitingMembershipRecord`).
 * - Every message carries its epoch. Seeing a message of a higher epoch than ours
 *   means a record was withheld from us: `observeMessageEpoch` remembers it and
 *   `assertCanSend` refuses to send until the record arrives, so a removed member
 *   never receives our next message under a stale member list.
 */

import { sameKey } from '../cards/verifier';
import { bytesOf, toHex } from '../cards/bytes';
import { virgil } from '../crypto/init';
import { ErrorCode, fail } from '../errors';
import type { KeyPair } from '../cards';
import {
  decodeSignedRecord, GENESIS_PREV, GROUP_ID_BYTES, MAX_GROUP_MEMBERS, MembershipAction, signRecord,
  type MembershipRecord, type SignedMembershipRecord,
} from './membership-record';
import { exportPublicKeyBase64 } from '../cards';

export interface GroupSnapshot {
  groupId: string;
  owner: string;
  ownerKey: string;
  epoch: number;
  head: string;
  members: string[];
  banned: string[];
  deleted: boolean;
  /** highest epoch seen on a message (≥ epoch) */
  seenEpoch: number;
}

/** What the integrator must do after a transition (sender-key rotation and distribution). */
export interface MembershipChange {
  added: string[];
  removed: string[];
  /** true when anyone left: every remaining sender must rotate their sender key */
  mustRotateSenderKeys: boolean;
  /** members who must receive the (new) sender keys */
  distributeTo: string[];
}

export class GroupState {
  private constructor(private readonly s: GroupSnapshot) {}

  get groupId(): string { return this.s.groupId; }
  get owner(): string { return this.s.owner; }
  get ownerKey(): string { return this.s.ownerKey; }
  get epoch(): number { return this.s.epoch; }
  get head(): string { return this.s.head; }
  get members(): readonly string[] { return this.s.members; }
  get banned(): readonly string[] { return this.s.banned; }
  get deleted(): boolean { return this.s.deleted; }
  get seenEpoch(): number { return this.s.seenEpoch; }

  isMember(identity: string): boolean {
    return this.s.members.includes(identity);
  }

  /**
   * The state after a creation record. `pinnedOwnerKey` is the owner's identity key
   * from our contact store (never from the record alone).
   */
  static genesis(signed: SignedMembershipRecord | Uint8Array, pinnedOwnerKey: string): GroupState {
    const rec = signed instanceof Uint8Array ? decodeSignedRecord(signed) : decodeSignedRecord(signed.wire);
    const r = rec.record;
    if (r.action !== MembershipAction.Create || r.epoch !== 0) fail(ErrorCode.AwaitingMembershipRecord, 'need the creation record first');
    if (!sameKey(r.ownerKey, pinnedOwnerKey)) fail(ErrorCode.NotGroupOwner, 'creation record not signed by the pinned owner key');
    if (!r.members.includes(r.owner)) fail(ErrorCode.Malformed, 'owner must be a member');
    return new GroupState({
      groupId: r.groupId, owner: r.owner, ownerKey: r.ownerKey, epoch: 0, head: rec.hash,
      members: [...r.members], banned: [], deleted: false, seenEpoch: 0,
    });
  }

  /** Pure transition; see the module comment for the refusal rules. */
  apply(signed: SignedMembershipRecord | Uint8Array): GroupState {
    const rec = signed instanceof Uint8Array ? decodeSignedRecord(signed) : decodeSignedRecord(signed.wire);
    const r = rec.record;
    if (r.groupId !== this.s.groupId) fail(ErrorCode.Malformed, 'record for another group');
    if (r.owner !== this.s.owner || !sameKey(r.ownerKey, this.s.ownerKey)) fail(ErrorCode.NotGroupOwner, 'record not signed by the group owner');
    if (r.epoch <= this.s.epoch) {
      if (r.epoch === this.s.epoch && rec.hash === this.s.head) return this;
      if (r.epoch === this.s.epoch) fail(ErrorCode.GroupFork, `a different record for epoch ${r.epoch}`);
      fail(ErrorCode.StaleEpoch, `record epoch ${r.epoch} is older than ${this.s.epoch}`);
    }
    if (r.epoch > this.s.epoch + 1) fail(ErrorCode.AwaitingMembershipRecord, `missing records ${this.s.epoch + 1}..${r.epoch - 1}`, { have: this.s.epoch, got: r.epoch });
    if (r.prev !== this.s.head) fail(ErrorCode.GroupFork, 'record does not extend our chain');
    if (this.s.deleted) fail(ErrorCode.StaleEpoch, 'group was deleted');
    const next = transition(this.s, r);
    return new GroupState({ ...next, epoch: r.epoch, head: rec.hash, seenEpoch: Math.max(this.s.seenEpoch, r.epoch) });
  }

  /** Remembers the epoch a received message carries (pure: returns the new state). */
  observeMessageEpoch(epoch: number): GroupState {
    if (!Number.isSafeInteger(epoch) || epoch < 0) fail(ErrorCode.Malformed, 'epoch');
    return epoch > this.s.seenEpoch ? new GroupState({ ...this.s, seenEpoch: epoch }) : this;
  }

  /**
   * How a received message's epoch relates to ours: `current`, `older` (sent before a
   * change we know; the sender-key layer decides), or `newer` (we miss a record: fetch it).
   */
  classifyMessageEpoch(epoch: number): 'current' | 'older' | 'newer' {
    return epoch === this.s.epoch ? 'current' : epoch < this.s.epoch ? 'older' : 'newer';
  }

  /** Throws `AwaitingMembershipRecord` while we know of a newer epoch than we hold, `StaleEpoch` if deleted. */
  assertCanSend(self: string): void {
    if (this.s.deleted) fail(ErrorCode.StaleEpoch, 'group was deleted');
    if (this.s.seenEpoch > this.s.epoch) {
      fail(ErrorCode.AwaitingMembershipRecord, `seen epoch ${this.s.seenEpoch}, hold ${this.s.epoch}: fetch the membership record before sending`, { have: this.s.epoch, seen: this.s.seenEpoch });
    }
    if (!this.isMember(self)) fail(ErrorCode.Forbidden, 'not a member of this group');
  }

  /** What changed from `before` to this state: who to rekey and whether sender keys must rotate. */
  membersToRekey(before: GroupState): MembershipChange {
    const added = this.s.members.filter((m) => !before.isMember(m));
    const removed = before.members.filter((m) => !this.isMember(m));
    return { added, removed, mustRotateSenderKeys: removed.length > 0, distributeTo: [...this.s.members] };
  }

  toJSON(): GroupSnapshot {
    return { ...this.s, members: [...this.s.members], banned: [...this.s.banned] };
  }

  static fromJSON(snapshot: GroupSnapshot): GroupState {
    return new GroupState({ ...snapshot, members: [...snapshot.members], banned: [...snapshot.banned] });
  }
}

function transition(s: GroupSnapshot, r: MembershipRecord): GroupSnapshot {
  const members = new Set(s.members);
  const banned = new Set(s.banned);
  const conflict = (why: string): never => fail(ErrorCode.Conflict, why);
  switch (r.action) {
    case MembershipAction.Add:
      for (const m of r.members) {
        if (members.has(m)) conflict(`${m} is already a member`);
        if (banned.has(m)) conflict(`${m} is banned`);
        members.add(m);
      }
      if (members.size > MAX_GROUP_MEMBERS) fail(ErrorCode.TooLarge, 'too many members');
      break;
    case MembershipAction.Remove:
    case MembershipAction.Kick:
      for (const m of r.members) {
        if (!members.has(m)) conflict(`${m} is not a member`);
        if (m === s.owner) conflict('the owner cannot leave; delete the group instead');
        members.delete(m);
      }
      break;
    case MembershipAction.Ban:
      for (const m of r.members) {
        if (m === s.owner) conflict('the owner cannot be banned');
        members.delete(m);
        banned.add(m);
      }
      break;
    case MembershipAction.Unban:
      for (const m of r.members) if (!banned.delete(m)) conflict(`${m} is not banned`);
      break;
    case MembershipAction.Delete:
      return { ...s, members: [], deleted: true };
    default:
      fail(ErrorCode.Malformed, 'unexpected action');
  }
  return { ...s, members: [...members].sort(), banned: [...banned].sort() };
}

/** Owner side: makes a group with a random id. Returns the creation record and the state. */
export function createGroup(params: { owner: string; ownerIdentityKey: KeyPair; members: string[]; now: number }): { state: GroupState; record: SignedMembershipRecord } {
  const groupId = toHex(bytesOf(virgil().getRandomBytes(GROUP_ID_BYTES)));
  const ownerKey = exportPublicKeyBase64(params.ownerIdentityKey.publicKey);
  const record = signRecord(
    { groupId, epoch: 0, prev: GENESIS_PREV, action: MembershipAction.Create, owner: params.owner, ownerKey, members: [...params.members, params.owner], issuedAt: params.now },
    params.ownerIdentityKey.privateKey,
  );
  return { state: GroupState.genesis(record, ownerKey), record };
}

/**
 * Owner side: the next record for `action`, checked by applying it (so an owner cannot
 * issue a record their own members would refuse). Returns the record and the new state.
 */
export function issueRecord(
  state: GroupState,
  ownerIdentityKey: KeyPair,
  action: Exclude<MembershipAction, typeof MembershipAction.Create>,
  members: string[],
  now: number,
): { state: GroupState; record: SignedMembershipRecord } {
  const record = signRecord(
    { groupId: state.groupId, epoch: state.epoch + 1, prev: state.head, action, owner: state.owner, ownerKey: state.ownerKey, members, issuedAt: now },
    ownerIdentityKey.privateKey,
  );
  return { state: state.apply(record), record };
}

