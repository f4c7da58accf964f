/**
 * The organisation's backup copy (seed 001): when managed policy pins an org public key
 * — never because the directory says so — each message this device decrypts is
 * re-encrypted, with its binding header, to the org key and pushed to the directory's
 * archive (POST /v1/archive). Messages from such senders carry `archived: true` in the
 * header so everyone sees their words are archived.
 *
 * Archive plaintext: u8 version(1) | str archiverIdentity | str archiverCardId
 *   | bytes(binding header + body, the card-mode plaintext codec). Encrypted with
 *   virgil-crypto `encrypt` to the org key only (the directory records the
 *   authenticated uploader as authorIdentity).
 * messageDigest: hex SHA-256("overcrypt/archive/v1" 0x00 || senderCardId || messageId):
 *   the same for every recipient of one message (the admin can de-duplicate), and it
 *   says nothing about the content (a hash of the plaintext would let the directory
 *   confirm guessed messages).
 */
import { HashAlgorithm, type VirgilPrivateKey } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { ByteReader, ByteWriter } from '../encoding/binary';
import { ErrorCode, fail } from '../errors';
import { bytesOf, concatBytes, decodeBase64, encodeBase64, fromHex, toHex, utf8 } from '../cards/bytes';
import { importPublicKeyBase64 } from '../cards';
import { checkCardMessageShape, decodePlaintext, encodePlaintext } from '../cardmode';
import type { MessageHeader } from '../wire/header';
import type { ArchiveRequest } from '../directory/wire';

export const ARCHIVE_FORMAT_VERSION = 1;
const MAX_ARCHIVE_BLOB_BYTES = 256 * 1024;

/** The slice of managed policy this module reads. */
export interface OrgPolicy {
  orgPublicKey?: string;
}

/** The pinned org key, or undefined when policy pins none. Validates it (throws `Malformed`). */
export function pinnedOrgKey(policy: OrgPolicy): string | undefined {
  if (policy.orgPublicKey === undefined) return undefined;
  importPublicKeyBase64(policy.orgPublicKey).dispose();
  return policy.orgPublicKey;
}

export interface ArchiveInput {
  orgPublicKey: string;
  /** conversation id as the archive indexes it: "<namespace>/<id>" by default */
  conversationId?: string;
  header: MessageHeader;
  body: Uint8Array;
  archiver: { identity: string; cardId: string };
}

export function conversationKey(header: MessageHeader): string {
  return `${header.conversation.namespace}/${header.conversation.conversation}`.slice(0, 256);
}

export function messageDigest(header: MessageHeader): string {
  const cardId = fromHex(header.senderCardId);
  const messageId = header.messageId;
  if (!cardId || cardId.length !== 32 || !(messageId instanceof Uint8Array) || messageId.length !== 16) fail(ErrorCode.Malformed, 'header ids');
  return toHex(bytesOf(virgil().calculateHash(concatBytes(utf8('overcrypt/archive/v1\0'), cardId, messageId), HashAlgorithm.SHA256)));
}

/** Builds the POST /v1/archive body for a message this device decrypted. */
export function makeArchiveEntry(input: ArchiveInput): ArchiveRequest {
  const plaintext = new ByteWriter()
    .u8(ARCHIVE_FORMAT_VERSION)
    .lenUtf8(input.archiver.identity)
    .lenUtf8(input.archiver.cardId)
    .lenBytes(encodePlaintext(input.header, input.body))
    .finish();
  const key = importPublicKeyBase64(input.orgPublicKey);
  let blob: Uint8Array;
  try {
    blob = bytesOf(virgil().encrypt(plaintext, key));
  } finally {
    key.dispose();
    plaintext.fill(0);
  }
  if (blob.length > MAX_ARCHIVE_BLOB_BYTES) fail(ErrorCode.TooLarge, 'message too large to archive');
  return { conversationId: input.conversationId ?? conversationKey(input.header), messageDigest: messageDigest(input.header), blob: encodeBase64(blob) };
}

export interface OpenedArchiveEntry {
  archiver: { identity: string; cardId: string };
  header: MessageHeader;
  body: Uint8Array;
}

/** Admin side: decrypts one archive blob with the org private key. */
export function openArchiveBlob(blobBase64: string, orgPrivateKey: VirgilPrivateKey): OpenedArchiveEntry {
  const blob = decodeBase64(blobBase64, undefined, MAX_ARCHIVE_BLOB_BYTES);
  if (!blob) fail(ErrorCode.Malformed, 'archive blob is not base64');
  checkCardMessageShape(blob, { signed: false }); // keep malformed blobs from aborting the WASM
  let plaintext: Uint8Array;
  try {
    plaintext = bytesOf(virgil().decrypt(blob, orgPrivateKey));
  } catch {
    fail(ErrorCode.Tampered, 'archive blob does not decrypt with this org key');
  }
  const r = new ByteReader(plaintext);
  if (r.u8() !== ARCHIVE_FORMAT_VERSION) fail(ErrorCode.UnsupportedVersion, 'archive entry version');
  const identity = r.lenUtf8(256);
  const cardId = r.lenUtf8(128);
  const inner = r.lenBytes(MAX_ARCHIVE_BLOB_BYTES);
  r.end();
  const { header, body } = decodePlaintext(inner);
  return { archiver: { identity, cardId }, header, body };
}
