/**
 * The binding header every card-mode plaintext starts with: what the message is bound
 * to, inside the signature and the encryption. Decrypt returns it so the display can
 * compare it with where the page shows the message; the sender in it is checked
 * against the card whose key actually signed.
 *
 * LOCAL CODEC: lib/wire/header.ts (wire helper) is meant to own this format; until it
 * lands this module defines it. Binary layout (ByteWriter conventions):
 *   u8 version(1) | str namespace | str conversation | str senderIdentity | 32B senderCardId
 *   | u8 scope: 1 = recipients digest (32B SHA-256 over sorted card ids), 2 = group (str groupId, varint epoch)
 *   | 16B messageId | varint counter | varint sentAt(ms) | u8 flags (bit0 = archived to the org)
 *   | body (rest)
 */
import { ByteReader, ByteWriter } from '../encoding/binary';
import { ErrorCode, fail } from '../errors';
import { fromHex, toHex } from '../cards/bytes';

export const BINDING_HEADER_VERSION = 1;
export const MESSAGE_ID_BYTES = 16;
const MAX_NAMESPACE = 64;
const MAX_CONVERSATION = 512;
const MAX_IDENTITY = 256;

export type MessageScope =
  | { kind: 'recipients'; /** hex SHA-256 over the sorted recipient card ids */ digest: string }
  | { kind: 'group'; groupId: string; epoch: number };

export interface BindingHeader {
  conversation: { namespace: string; id: string };
  sender: { identity: string; cardId: string };
  scope: MessageScope;
  /** hex, 16 random bytes */
  messageId: string;
  /** per-sender-device counter */
  counter: number;
  /** ms since epoch, sender's clock */
  sentAt: number;
  /** the sender's client copies messages to an org archive (policy); shown to readers */
  archived: boolean;
}

export function encodePlaintext(header: BindingHeader, body: Uint8Array): Uint8Array {
  const w = new ByteWriter()
    .u8(BINDING_HEADER_VERSION)
    .lenUtf8(header.conversation.namespace)
    .lenUtf8(header.conversation.id)
    .lenUtf8(header.sender.identity)
    .bytes(hexBytes(header.sender.cardId, 32));
  if (header.scope.kind === 'recipients') w.u8(1).bytes(hexBytes(header.scope.digest, 32));
  else w.u8(2).lenUtf8(header.scope.groupId).varint(header.scope.epoch);
  return w
    .bytes(hexBytes(header.messageId, MESSAGE_ID_BYTES))
    .varint(header.counter)
    .varint(header.sentAt)
    .u8(header.archived ? 1 : 0)
    .bytes(body)
    .finish();
}

/** Total: any input gives a header and body or an OvercryptError(Malformed | UnsupportedVersion). */
export function decodePlaintext(bytes: Uint8Array): { header: BindingHeader; body: Uint8Array } {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== BINDING_HEADER_VERSION) fail(ErrorCode.UnsupportedVersion, `binding header version ${version}`);
  const namespace = r.lenUtf8(MAX_NAMESPACE);
  const id = r.lenUtf8(MAX_CONVERSATION);
  const identity = r.lenUtf8(MAX_IDENTITY);
  const cardId = toHex(r.bytes(32));
  const scopeKind = r.u8();
  let scope: MessageScope;
  if (scopeKind === 1) scope = { kind: 'recipients', digest: toHex(r.bytes(32)) };
  else if (scopeKind === 2) scope = { kind: 'group', groupId: r.lenUtf8(MAX_CONVERSATION), epoch: r.varint() };
  else fail(ErrorCode.Malformed, 'binding header scope');
  const messageId = toHex(r.bytes(MESSAGE_ID_BYTES));
  const counter = r.varint();
  const sentAt = r.varint();
  const flags = r.u8();
  if (flags > 1) fail(ErrorCode.Malformed, 'binding header flags');
  const header: BindingHeader = { conversation: { namespace, id }, sender: { identity, cardId }, scope, messageId, counter, sentAt, archived: flags === 1 };
  return { header, body: r.rest() };
}

function hexBytes(hex: string, length: number): Uint8Array {
  const bytes = fromHex(hex);
  if (!bytes || bytes.length !== length) fail(ErrorCode.Malformed, `expected ${length} hex bytes`);
  return bytes;
}
