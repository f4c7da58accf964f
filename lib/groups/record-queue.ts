/**
 * Membership records can arrive out of order (mailbox, page, directory). The queue
 * keeps records that are ahead of our epoch (bounded) and applies them in order once
 * the gap is filled. Each record is checked by `GroupState.apply` when its turn comes.
 */
import { ErrorCode, isError } from '../errors';
import { decodeSignedRecord, type SignedMembershipRecord } from './membership-record';
import type { GroupState, MembershipChange } from './group-state';

export const MAX_PENDING_RECORDS = 64;

export interface OfferResult {
  state: GroupState;
  /** records applied by this offer, in epoch order */
  applied: SignedMembershipRecord[];
  /** what changed overall (empty when nothing was applied) */
  change: MembershipChange;
  /** the epoch still missing, if records are waiting */
  waitingFor?: number;
}

export class GroupRecordQueue {
  private readonly pending = new Map<number, SignedMembershipRecord>();

  constructor(private current: GroupState, private readonly maxPending = MAX_PENDING_RECORDS) {}

  get state(): GroupState {
    return this.current;
  }

  /** Throws what `apply` throws for the offered record itself, except a gap, which is queued. */
  offer(input: SignedMembershipRecord | Uint8Array): OfferResult {
    const record = input instanceof Uint8Array ? decodeSignedRecord(input) : input;
    const before = this.current;
    const applied: SignedMembershipRecord[] = [];
    try {
      this.current = this.current.apply(record);
      if (this.current !== before) applied.push(record);
    } catch (e) {
      if (!isError(e, ErrorCode.AwaitingMembershipRecord)) throw e;
      if (this.pending.size >= this.maxPending && !this.pending.has(record.record.epoch)) throw e;
      this.pending.set(record.record.epoch, record);
    }
    this.drain(applied);
    const waitingFor = this.pending.size > 0 ? this.current.epoch + 1 : undefined;
    return { state: this.current, applied, change: this.current.membersToRekey(before), ...(waitingFor !== undefined ? { waitingFor } : {}) };
  }

  private drain(applied: SignedMembershipRecord[]): void {
    for (const epoch of [...this.pending.keys()]) if (epoch <= this.current.epoch) this.pending.delete(epoch);
    for (let next = this.pending.get(this.current.epoch + 1); next; next = this.pending.get(this.current.epoch + 1)) {
      this.pending.delete(next.record.epoch);
      this.current = this.current.apply(next);
      applied.push(next);
    }
  }
}
