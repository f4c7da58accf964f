/**
 * The binding header: what every message is bound to, inside its signature and
 * as AEAD associated data (issue 3, item 3). The receiver gets it back from
 * decryption and compares it with where the page shows the message
 * (`compareHeaderToPage`), so a message replayed into another conversation or
 * shown under another sender's name is reported, not silently displayed.
 *
 * It has two halves so chat messages stay small:
 * - the **chain context** (who, where, to whom, flags) — fixed for a sender-key
 *   chain, so the sender-key code can send it once in the SenderKeyDistribution
 *   and keep it with the chain;
 * - the **stamp** (message id, counter, send time) — per message, ~24 bytes.
 * The canonical header is `encodeChainContext(c) ‖ encodeStamp(s)`; both halves
 * and the whole are canonical: one value, one encoding; decode(encode(x)) = x
 * and encode(decode(b)) = b for every accepted b.
 *
 * Chain context (version 1):
 *   u8       1 (header version)
 *   varint n, n bytes   namespace: printable ASCII, 1..128 (the site, e.g. "irc:127.0.0.1:6667")
 *   varint n, n bytes   conversation: UTF-8, 1..256 bytes (channel, DM peer, thread id)
 *   varint n, n bytes   sender identity: printable ASCII, 1..128
 *   32 bytes            sender device card id
 *   u8 1, 16 bytes      audience = recipient-set hash, or
 *   u8 2, varint n, n bytes, varint   audience = group id (1..64 bytes; hex in the API) and epoch (≤ 2^32-1)
 *   u8                  flags: bit 0 archivedToOrg; other bits must be 0
 * Stamp:
 *   16 bytes            random message id
 *   varint              per-sender counter (≤ 2^32-1)
 *   varint              send time, ms since 1970 (≤ 2^53-1)
 */
import { HashAlgorithm } from 'virgil-crypto';
import { ErrorCode, OvercryptError, fail } from '../errors';
import { bytesEqual, concatBytes, fromHex, toHex, utf8Encode } from '../encoding/bytes';
import { ByteReader, ByteWriter } from '../encoding/binary';
import { virgil } from '../crypto/init';

export const HEADER_VERSION = 1;
export const MAX_NAMESPACE_LENGTH = 128;
export const MAX_CONVERSATION_BYTES = 256;
export const MAX_IDENTITY_LENGTH = 128;
export const CARD_ID_BYTES = 32;
export const MESSAGE_ID_BYTES = 16;
/** Recipient-set hash length: SHA-256 truncated to 128 bits (see recipientSetHash). */
export const RECIPIENT_HASH_BYTES = 16;
export const MAX_GROUP_ID_BYTES = 64;
export const MAX_COUNTER = 0xffff_ffff;
export const MAX_EPOCH = 0xffff_ffff;

export const HeaderFlag = {
  /** The sender's client re-encrypts this message to an organisation archive key. */
  ArchivedToOrg: 1,
} as const;
const KNOWN_FLAGS = HeaderFlag.ArchivedToOrg;

export interface ConversationId {
  /** The site / network, printable ASCII. */
  readonly namespace: string;
  /** The conversation within it, as the site adapter canonicalises it. */
  readonly conversation: string;
}

export type Audience =
  | { readonly type: 'recipients'; readonly hash: Uint8Array }
  | { readonly type: 'group'; /** lowercase hex, 1..64 bytes (lib/groups uses 16) */ readonly groupId: string; readonly epoch: number };

/** Fixed for a sender-key chain (or sent with each card-mode / pairwise message). */
export interface ChainContext {
  readonly conversation: ConversationId;
  /** The sender's identity (card identity, ASCII). */
  readonly senderIdentity: string;
  /** The sender's device card id, 64 lowercase hex characters. */
  readonly senderCardId: string;
  readonly audience: Audience;
  /** HeaderFlag bits. */
  readonly flags: number;
}

/** Per message. */
export interface MessageStamp {
  readonly messageId: Uint8Array;
  readonly counter: number;
  /** Milliseconds since 1970-01-01 UTC, by the sender's clock. */
  readonly sentAt: number;
}

export interface MessageHeader extends ChainContext, MessageStamp {}

// ---------------------------------------------------------------- encoding

export function writeChainContext(w: ByteWriter, c: ChainContext): ByteWriter {
  checkChainContext(c);
  w.u8(HEADER_VERSION)
    .lenBytes(utf8Encode(c.conversation.namespace))
    .lenUtf8(c.conversation.conversation)
    .lenBytes(utf8Encode(c.senderIdentity))
    .bytes(fromHex(c.senderCardId));
  if (c.audience.type === 'recipients') w.u8(1).bytes(c.audience.hash);
  else w.u8(2).lenBytes(fromHex(c.audience.groupId)).varint(c.audience.epoch);
  return w.u8(c.flags);
}

export function readChainContext(r: ByteReader): ChainContext {
  const version = r.u8();
  if (version !== HEADER_VERSION) {
    throw new OvercryptError(ErrorCode.UnsupportedVersion, 'unsupported header version', { version });
  }
  const namespace = readAscii(r, MAX_NAMESPACE_LENGTH, 0x21);
  const conversation = r.lenUtf8(MAX_CONVERSATION_BYTES);
  const senderIdentity = readAscii(r, MAX_IDENTITY_LENGTH, 0x20);
  const senderCardId = toHex(r.bytes(CARD_ID_BYTES));
  const audienceType = r.u8();
  let audience: Audience;
  if (audienceType === 1) audience = { type: 'recipients', hash: r.bytes(RECIPIENT_HASH_BYTES) };
  else if (audienceType === 2) {
    audience = { type: 'group', groupId: toHex(r.lenBytes(MAX_GROUP_ID_BYTES)), epoch: r.varint(MAX_EPOCH) };
  } else return fail(ErrorCode.Malformed, 'unknown audience type');
  const flags = r.u8();
  const context: ChainContext = { conversation: { namespace, conversation }, senderIdentity, senderCardId, audience, flags };
  checkChainContext(context);
  return context;
}

export function writeStamp(w: ByteWriter, s: MessageStamp): ByteWriter {
  checkStamp(s);
  return w.bytes(s.messageId).varint(s.counter).varint(s.sentAt);
}

export function readStamp(r: ByteReader): MessageStamp {
  return { messageId: r.bytes(MESSAGE_ID_BYTES), counter: r.varint(MAX_COUNTER), sentAt: r.varint() };
}

export function encodeChainContext(c: ChainContext): Uint8Array {
  return writeChainContext(new ByteWriter(), c).finish();
}

export function decodeChainContext(bytes: Uint8Array): ChainContext {
  return readAll(bytes, readChainContext);
}

export function encodeStamp(s: MessageStamp): Uint8Array {
  return writeStamp(new ByteWriter(), s).finish();
}

export function decodeStamp(bytes: Uint8Array): MessageStamp {
  return readAll(bytes, readStamp);
}

/** Canonical bytes of the whole header (= context bytes ‖ stamp bytes): sign these / use as AEAD AD. */
export function encodeHeader(h: MessageHeader): Uint8Array {
  return concatBytes(encodeChainContext(h), encodeStamp(h));
}

export function decodeHeader(bytes: Uint8Array): MessageHeader {
  return readAll(bytes, (r) => joinHeader(readChainContext(r), readStamp(r)));
}

export function joinHeader(context: ChainContext, stamp: MessageStamp): MessageHeader {
  return {
    conversation: context.conversation,
    senderIdentity: context.senderIdentity,
    senderCardId: context.senderCardId,
    audience: context.audience,
    flags: context.flags,
    messageId: stamp.messageId,
    counter: stamp.counter,
    sentAt: stamp.sentAt,
  };
}

export function splitHeader(h: MessageHeader): { context: ChainContext; stamp: MessageStamp } {
  const { messageId, counter, sentAt, ...context } = h;
  return { context, stamp: { messageId, counter, sentAt } };
}

/** 16 random bytes from the platform CSPRNG (WebCrypto, present in Node 20, pages and workers). */
export function randomMessageId(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(MESSAGE_ID_BYTES));
}

function readAll<T>(bytes: Uint8Array, read: (r: ByteReader) => T): T {
  if (!(bytes instanceof Uint8Array)) fail(ErrorCode.Malformed, 'header must be bytes');
  const r = new ByteReader(bytes);
  const value = read(r);
  r.end();
  return value;
}

function readAscii(r: ByteReader, max: number, lowest: number): string {
  const bytes = r.lenBytes(max);
  let s = '';
  for (const b of bytes) {
    if (b < lowest || b > 0x7e) fail(ErrorCode.Malformed, 'not printable ASCII');
    s += String.fromCharCode(b);
  }
  return s;
}

// ---------------------------------------------------------------- validation

function isAscii(s: unknown, max: number, lowest: number): boolean {
  if (typeof s !== 'string' || s.length < 1 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < lowest || c > 0x7e) return false;
  }
  return true;
}

const CARD_ID = /^[0-9a-f]{64}$/;
const GROUP_ID = /^(?:[0-9a-f]{2}){1,64}$/;

function checkChainContext(c: ChainContext): void {
  const conv = c?.conversation;
  if (!isAscii(conv?.namespace, MAX_NAMESPACE_LENGTH, 0x21)) fail(ErrorCode.Malformed, 'namespace must be 1..128 printable ASCII');
  if (typeof conv.conversation !== 'string' || conv.conversation.length === 0) fail(ErrorCode.Malformed, 'conversation must be a non-empty string');
  const convBytes = utf8Encode(conv.conversation);
  // A lone surrogate would not survive UTF-8: refuse it rather than bind a different string.
  if (convBytes.length > MAX_CONVERSATION_BYTES || /\p{Cs}/u.test(conv.conversation)) {
    fail(ErrorCode.Malformed, 'conversation must be ≤ 256 bytes of well-formed UTF-8');
  }
  if (!isAscii(c.senderIdentity, MAX_IDENTITY_LENGTH, 0x20)) fail(ErrorCode.Malformed, 'sender identity must be 1..128 printable ASCII');
  if (typeof c.senderCardId !== 'string' || !CARD_ID.test(c.senderCardId)) fail(ErrorCode.Malformed, 'card id must be 64 lowercase hex');
  const a = c.audience;
  if (a?.type === 'recipients') {
    if (!(a.hash instanceof Uint8Array) || a.hash.length !== RECIPIENT_HASH_BYTES) fail(ErrorCode.Malformed, 'recipient hash must be 16 bytes');
  } else if (a?.type === 'group') {
    if (typeof a.groupId !== 'string' || !GROUP_ID.test(a.groupId)) fail(ErrorCode.Malformed, 'group id must be 1..64 bytes of lowercase hex');
    if (!Number.isInteger(a.epoch) || a.epoch < 0 || a.epoch > MAX_EPOCH) fail(ErrorCode.Malformed, 'epoch out of range');
  } else fail(ErrorCode.Malformed, 'unknown audience type');
  if (!Number.isInteger(c.flags) || c.flags < 0 || (c.flags & ~KNOWN_FLAGS) !== 0) fail(ErrorCode.Malformed, 'unknown header flags');
}

function checkStamp(s: MessageStamp): void {
  if (!(s?.messageId instanceof Uint8Array) || s.messageId.length !== MESSAGE_ID_BYTES) fail(ErrorCode.Malformed, 'message id must be 16 bytes');
  if (!Number.isInteger(s.counter) || s.counter < 0 || s.counter > MAX_COUNTER) fail(ErrorCode.Malformed, 'counter out of range');
  if (!Number.isSafeInteger(s.sentAt) || s.sentAt < 0) fail(ErrorCode.Malformed, 'send time out of range');
}

// ---------------------------------------------------------------- recipient set

/**
 * Hash of a set of device card ids: SHA-256 over
 * "overcrypt/recipient-set/v1" ‖ 0x00 ‖ u32 count ‖ the sorted, de-duplicated
 * 32-byte ids, truncated to 16 bytes. 128 bits keep second preimages (an
 * outsider finding another set with the same hash as an honest sender's set)
 * at 2^128 work; only collisions fall to 2^64, and they need the sender's own
 * cooperation, who could lie about the set anyway. Order and duplicates do not
 * matter. Needs `await ensureCrypto()` first (synchronous virgil-crypto hash).
 */
export function recipientSetHash(cardIds: readonly string[]): Uint8Array {
  if (!Array.isArray(cardIds) || cardIds.length === 0) fail(ErrorCode.Malformed, 'recipient set is empty');
  const unique = new Set<string>();
  for (const id of cardIds) {
    const lower = typeof id === 'string' ? id.toLowerCase() : '';
    if (!CARD_ID.test(lower)) fail(ErrorCode.Malformed, 'card id must be 64 hex characters');
    unique.add(lower);
  }
  const sorted = [...unique].sort();
  const w = new ByteWriter().bytes(utf8Encode('overcrypt/recipient-set/v1')).u8(0).u32(sorted.length);
  for (const id of sorted) w.bytes(fromHex(id));
  const digest = virgil().calculateHash(w.finish(), HashAlgorithm.SHA256);
  return new Uint8Array(digest.subarray(0, RECIPIENT_HASH_BYTES));
}

// ---------------------------------------------------------------- page comparison

/** Where and how the page shows a message. */
export interface PageContext {
  /** The conversation the page shows the message in (same canonical form the sender used). */
  readonly conversation: ConversationId;
  /** The identity the page attributes the message to, when the adapter can tell. */
  readonly senderIdentity?: string;
  /** The audience the receiver expects here (recipient-set hash, or group id and current epoch). */
  readonly audience?: Audience;
  /** Message ids (lowercase hex) already shown elsewhere; the caller adds ids after display. */
  readonly seen?: { has(messageIdHex: string): boolean };
  /** Receiver's clock and the tolerated sender clock lead; both needed for a time check. */
  readonly now?: number;
  readonly maxClockSkewMs?: number;
}

export type HeaderMismatch =
  | { readonly kind: 'conversation'; readonly expected: ConversationId; readonly actual: ConversationId }
  | { readonly kind: 'sender'; readonly pageSays: string; readonly cryptoSays: string }
  | { readonly kind: 'duplicate'; readonly messageId: string }
  | { readonly kind: 'audience'; readonly expected: Audience; readonly actual: Audience }
  | { readonly kind: 'epoch'; readonly expected: number; readonly actual: number }
  | { readonly kind: 'future'; readonly sentAt: number; readonly now: number };

/** Lowercase hex of the message id: the key for seen-sets. */
export function messageIdHex(h: MessageStamp): string {
  return toHex(h.messageId);
}

/**
 * Every way the authenticated header disagrees with the page (empty = consistent).
 * The header's sender is the truth; a 'sender' mismatch means the page lies about who wrote it.
 */
export function compareHeaderToPage(header: MessageHeader, page: PageContext): HeaderMismatch[] {
  const out: HeaderMismatch[] = [];
  const hc = header.conversation;
  if (hc.namespace !== page.conversation.namespace || hc.conversation !== page.conversation.conversation) {
    out.push({ kind: 'conversation', expected: page.conversation, actual: hc });
  }
  if (page.senderIdentity !== undefined && page.senderIdentity !== header.senderIdentity) {
    out.push({ kind: 'sender', pageSays: page.senderIdentity, cryptoSays: header.senderIdentity });
  }
  const id = messageIdHex(header);
  if (page.seen?.has(id)) out.push({ kind: 'duplicate', messageId: id });
  if (page.audience) compareAudience(page.audience, header.audience, out);
  if (page.now !== undefined && page.maxClockSkewMs !== undefined && header.sentAt > page.now + page.maxClockSkewMs) {
    out.push({ kind: 'future', sentAt: header.sentAt, now: page.now });
  }
  return out;
}

function compareAudience(expected: Audience, actual: Audience, out: HeaderMismatch[]): void {
  if (expected.type === 'group' && actual.type === 'group' && expected.groupId === actual.groupId) {
    if (expected.epoch !== actual.epoch) out.push({ kind: 'epoch', expected: expected.epoch, actual: actual.epoch });
    return;
  }
  if (expected.type === 'recipients' && actual.type === 'recipients' && bytesEqual(expected.hash, actual.hash)) return;
  out.push({ kind: 'audience', expected, actual });
}

/**
 * Throws when `compareHeaderToPage` finds anything: `DuplicateMessage` when the
 * only problem is a seen message id, else `HeaderMismatch`; details.mismatches
 * lists them all.
 */
export function assertHeaderMatchesPage(header: MessageHeader, page: PageContext): void {
  const mismatches = compareHeaderToPage(header, page);
  if (mismatches.length === 0) return;
  const onlyDuplicate = mismatches.every((m) => m.kind === 'duplicate');
  throw new OvercryptError(
    onlyDuplicate ? ErrorCode.DuplicateMessage : ErrorCode.HeaderMismatch,
    onlyDuplicate ? 'message already shown' : 'message header does not match the page',
    { mismatches },
  );
}
