/**
 * Owner-signed membership records (seed 003: only the group owner adds, removes,
 * kicks or bans members).
 *
 * Every record carries the group id, an epoch (0 for creation, then +1 per record),
 * the SHA-256 of the previous signed record and the action. The owner signs it with
 * their identity key (Ed25519). The records form a hash chain: a record for an epoch
 * we already hold with other content, or one whose `prev` is not our head, is a fork.
 *
 * Canonical bytes (ByteWriter conventions; members sorted and de-duplicated):
 *   u8 version(1) | 16B groupId | varint epoch | 32B prev | u8 action | str owner
 *   | bytes ownerKey (44B DER) | varint n | n × str member | varint issuedAt(ms)
 * Signature: Ed25519 over "overcrypt/group-record/v1" || 0x00 || canonical bytes.
 * Wire form: lenBytes(canonical) || lenBytes(signature). Hash of a record: SHA-256 of
 * "overcrypt/group-record-hash/v1" || 0x00 || wire form.
 */
import { HashAlgorithm, type VirgilPrivateKey } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { ByteReader, ByteWriter } from '../encoding/binary';
import { ErrorCode, fail } from '../errors';
import { bytesOf, concatBytes, encodeBase64, fromHex, toHex, utf8 } from '../cards/bytes';
import { importPublicKeyBase64, isValidIdentity, publicKeyDerFromBase64 } from '../cards';

export const RECORD_VERSION = 1;
export const GROUP_ID_BYTES = 16;
export const MAX_GROUP_MEMBERS = 1000;
const MAX_RECORD_BYTES = 300 * 1024;
const SIGN_DOMAIN = utf8('overcrypt/group-record/v1\0');
const HASH_DOMAIN = utf8('overcrypt/group-record-hash/v1\0');
export const GENESIS_PREV = '0'.repeat(64);

export const MembershipAction = {
  Create: 1,
  Add: 2,
  /** removed by the owner; may be added again */
  Remove: 3,
  /** kicked: removed now, may be added again later */
  Kick: 4,
  /** banned: removed and cannot be added until unbanned */
  Ban: 5,
  Unban: 6,
  /** the group is dissolved; no record may follow */
  Delete: 7,
} as const;
export type MembershipAction = (typeof MembershipAction)[keyof typeof MembershipAction];

export interface MembershipRecord {
  /** hex, 16 random bytes */
  groupId: string;
  epoch: number;
  /** hex SHA-256 of the previous signed record; GENESIS_PREV for epoch 0 */
  prev: string;
  action: MembershipAction;
  owner: string;
  /** owner's identity public key (base64 DER) */
  ownerKey: string;
  /** identities the action applies to (for Create: the initial members, owner included) */
  members: string[];
  issuedAt: number;
}

export interface SignedMembershipRecord {
  record: MembershipRecord;
  /** wire form (canonical bytes + signature) */
  wire: Uint8Array;
  /** hex SHA-256 of the wire form: the next record's `prev` */
  hash: string;
}

export function encodeRecord(record: MembershipRecord): Uint8Array {
  const members = normaliseMembers(record.members);
  const w = new ByteWriter()
    .u8(RECORD_VERSION)
    .bytes(hex(record.groupId, GROUP_ID_BYTES))
    .varint(record.epoch)
    .bytes(hex(record.prev, 32))
    .u8(record.action)
    .lenUtf8(record.owner)
    .lenBytes(publicKeyDerFromBase64(record.ownerKey))
    .varint(members.length);
  for (const m of members) w.lenUtf8(m);
  return w.varint(record.issuedAt).finish();
}

/** Signs `record` with the owner's identity private key. */
export function signRecord(record: MembershipRecord, ownerPrivateKey: VirgilPrivateKey): SignedMembershipRecord {
  validateRecord(record);
  const canonical = encodeRecord(record);
  const signature = bytesOf(virgil().calculateSignature(concatBytes(SIGN_DOMAIN, canonical), ownerPrivateKey));
  const wire = new ByteWriter().lenBytes(canonical).lenBytes(signature).finish();
  return { record: { ...record, members: normaliseMembers(record.members) }, wire, hash: hashWire(wire) };
}

/**
 * Parses a wire record and checks its signature under the record's own owner key.
 * Whether that key is the pinned owner key is the caller's check (GroupState does it).
 */
export function decodeSignedRecord(wire: Uint8Array): SignedMembershipRecord {
  if (!(wire instanceof Uint8Array) || wire.length > MAX_RECORD_BYTES) fail(ErrorCode.TooLarge, 'membership record too large');
  const outer = new ByteReader(wire);
  const canonical = outer.lenBytes(MAX_RECORD_BYTES);
  const signature = outer.lenBytes(256);
  outer.end();
  const record = parseCanonical(canonical);
  const key = importPublicKeyBase64(record.ownerKey);
  let valid = false;
  try {
    valid = signature.length >= 64 && virgil().verifySignature(concatBytes(SIGN_DOMAIN, canonical), signature, key);
  } catch {
    valid = false;
  } finally {
    key.dispose();
  }
  if (!valid) fail(ErrorCode.BadSignature, 'membership record signature invalid');
  return { record, wire: wire.slice(), hash: hashWire(wire) };
}

function parseCanonical(bytes: Uint8Array): MembershipRecord {
  const r = new ByteReader(bytes);
  if (r.u8() !== RECORD_VERSION) fail(ErrorCode.UnsupportedVersion, 'membership record version');
  const groupId = toHex(r.bytes(GROUP_ID_BYTES));
  const epoch = r.varint();
  const prev = toHex(r.bytes(32));
  const action = r.u8() as MembershipAction;
  const owner = r.lenUtf8(256);
  const ownerKey = encodeBase64(r.lenBytes(64));
  const count = r.varint(MAX_GROUP_MEMBERS);
  const members: string[] = [];
  for (let i = 0; i < count; i++) members.push(r.lenUtf8(256));
  const issuedAt = r.varint();
  r.end();
  const record: MembershipRecord = { groupId, epoch, prev, action, owner, ownerKey, members, issuedAt };
  validateRecord(record);
  // Canonical form only: re-encoding must give the same bytes (sorted, unique members).
  const again = encodeRecord(record);
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) fail(ErrorCode.Malformed, 'membership record not canonical');
  return record;
}

function validateRecord(record: MembershipRecord): void {
  if (!Object.values(MembershipAction).includes(record.action)) fail(ErrorCode.Malformed, 'membership action');
  if (!isValidIdentity(record.owner)) fail(ErrorCode.Malformed, 'owner identity');
  if (!record.members.every(isValidIdentity)) fail(ErrorCode.Malformed, 'member identity');
  if (record.members.length > MAX_GROUP_MEMBERS) fail(ErrorCode.TooLarge, 'too many members');
  if (!Number.isSafeInteger(record.epoch) || record.epoch < 0) fail(ErrorCode.Malformed, 'epoch');
  if ((record.epoch === 0) !== (record.action === MembershipAction.Create)) fail(ErrorCode.Malformed, 'only creation has epoch 0');
  if (record.epoch === 0 && record.prev !== GENESIS_PREV) fail(ErrorCode.Malformed, 'genesis prev');
  if (record.action !== MembershipAction.Delete && record.members.length === 0) fail(ErrorCode.Malformed, 'record names no member');
  publicKeyDerFromBase64(record.ownerKey);
  hex(record.groupId, GROUP_ID_BYTES);
  hex(record.prev, 32);
}

function normaliseMembers(members: string[]): string[] {
  return [...new Set(members)].sort();
}

function hashWire(wire: Uint8Array): string {
  return toHex(bytesOf(virgil().calculateHash(concatBytes(HASH_DOMAIN, wire), HashAlgorithm.SHA256)));
}

function hex(value: string, length: number): Uint8Array {
  const bytes = fromHex(value);
  if (!bytes || bytes.length !== length) fail(ErrorCode.Malformed, `expected ${length} hex bytes`);
  return bytes;
}

