/**
 * Binary forms for sender keys.
 *
 *   group message  = 0x21 || key id u32 || iteration u32 || AES-256-GCM(ct || tag16) || Ed25519 sig 64
 *   distribution   = 0x22 || key id u32 || iteration u32 || chain key 32 || signing public key 32
 *                    || conversation id (u16 length || UTF-8)
 *
 * A group message costs 89 bytes over its plaintext whatever the number of devices (about 120
 * base62 characters). The signature covers SIGNATURE_DOMAIN || the 9 header bytes || u32
 * length || binding || ciphertext, so it also binds the caller's header (conversation, epoch...).
 * Distributions travel only inside pairwise ratchet messages.
 */
import { ErrorCode, fail } from '../errors';
import { AES_GCM_TAG_LEN, ED25519_PUBLIC_KEY_LEN, ED25519_SIGNATURE_LEN, concatBytes, utf8 } from '../crypto/primitives';
import { ByteReader, ByteWriter } from '../ratchet/codec';

export const GROUP_MESSAGE_TYPE = 0x21;
export const DISTRIBUTION_TYPE = 0x22;
export const GROUP_HEADER_LEN = 9;
export const GROUP_MESSAGE_OVERHEAD = GROUP_HEADER_LEN + AES_GCM_TAG_LEN + ED25519_SIGNATURE_LEN;
export const MAX_CONVERSATION_ID_BYTES = 512;
const SIGNATURE_DOMAIN = utf8('overcrypt/senderkey/v1\u0000');

export interface GroupMessage {
  readonly keyId: number;
  readonly iteration: number;
  /** Header bytes (type, key id, iteration), authenticated by the AEAD and the signature. */
  readonly headerBytes: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

export interface Distribution {
  readonly keyId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  readonly conversationId: string;
}

export function encodeGroupHeader(keyId: number, iteration: number): Uint8Array {
  return new ByteWriter().u8(GROUP_MESSAGE_TYPE).u32(keyId).u32(iteration).finish();
}

/** The exact bytes the sender signs. */
export function groupSignedBytes(headerBytes: Uint8Array, binding: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, binding.length, false);
  return concatBytes(SIGNATURE_DOMAIN, headerBytes, len, binding, ciphertext);
}

export function encodeGroupMessage(m: Omit<GroupMessage, 'headerBytes'>): Uint8Array {
  return new ByteWriter()
    .rest(encodeGroupHeader(m.keyId, m.iteration))
    .rest(m.ciphertext)
    .fixed(m.signature, ED25519_SIGNATURE_LEN)
    .finish();
}

/** Total parser: typed errors only. */
export function parseGroupMessage(bytes: Uint8Array): GroupMessage {
  const r = new ByteReader(bytes);
  if (r.remaining < GROUP_MESSAGE_OVERHEAD) fail(ErrorCode.Malformed, 'group message too short');
  const type = r.u8();
  if (type !== GROUP_MESSAGE_TYPE) fail(ErrorCode.UnsupportedVersion, 'not a version 1 group message');
  const keyId = r.u32();
  const iteration = r.u32();
  const ciphertext = r.fixed(r.remaining - ED25519_SIGNATURE_LEN);
  const signature = r.fixed(ED25519_SIGNATURE_LEN);
  r.end();
  return { keyId, iteration, headerBytes: encodeGroupHeader(keyId, iteration), ciphertext, signature };
}

export function encodeDistribution(d: Distribution): Uint8Array {
  const conversation = utf8(d.conversationId);
  if (conversation.length === 0 || conversation.length > MAX_CONVERSATION_ID_BYTES) fail(ErrorCode.Malformed, 'bad conversation id');
  return new ByteWriter()
    .u8(DISTRIBUTION_TYPE)
    .u32(d.keyId)
    .u32(d.iteration)
    .fixed(d.chainKey, 32)
    .fixed(d.signingPublicKey, ED25519_PUBLIC_KEY_LEN)
    .var16(conversation)
    .finish();
}

export function parseDistribution(bytes: Uint8Array): Distribution {
  const r = new ByteReader(bytes);
  if (r.remaining < 1) fail(ErrorCode.Malformed, 'empty distribution');
  if (r.u8() !== DISTRIBUTION_TYPE) fail(ErrorCode.UnsupportedVersion, 'not a version 1 sender-key distribution');
  const keyId = r.u32();
  const iteration = r.u32();
  const chainKey = r.fixed(32);
  const signingPublicKey = r.fixed(ED25519_PUBLIC_KEY_LEN);
  const conversation = r.var16();
  r.end();
  if (conversation.length === 0 || conversation.length > MAX_CONVERSATION_ID_BYTES) fail(ErrorCode.Malformed, 'bad conversation id');
  let conversationId: string;
  try {
    conversationId = new TextDecoder('utf-8', { fatal: true }).decode(conversation);
  } catch {
    return fail(ErrorCode.Malformed, 'conversation id is not UTF-8');
  }
  return { keyId, iteration, chainKey, signingPublicKey, conversationId };
}
