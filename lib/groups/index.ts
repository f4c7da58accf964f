/** Owner-managed groups: signed, hash-chained membership records with epochs. */
export {
  MembershipAction, encodeRecord, signRecord, decodeSignedRecord, GENESIS_PREV, GROUP_ID_BYTES, MAX_GROUP_MEMBERS, RECORD_VERSION,
  type MembershipRecord, type SignedMembershipRecord,
} from './membership-record';
export { GroupState, createGroup, issueRecord, type GroupSnapshot, type MembershipChange } from './group-state';
export { GroupRecordQueue } from './record-queue';
