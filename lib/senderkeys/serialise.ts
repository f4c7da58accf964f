/**
 * Versioned JSON for sender keys (byte fields base64). Holds secrets: store only in the vault.
 * Deserialisers validate every field and bound every array; errors are Malformed / UnsupportedVersion.
 */
import { ErrorCode, fail } from '../errors';
import { field, fromBase64, isArray, isString, isUint, toBase64 } from '../ratchet/codec';
import { MAX_SENDER_SKIPPED_KEYS, SENDER_KEY_VERSION, type InboundSenderKey, type OutboundSenderKey } from './senderkey';

function parse(text: string): unknown {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return fail(ErrorCode.Malformed, 'sender key is not JSON');
  }
  const version = field(o, 'version', isUint);
  if (version !== SENDER_KEY_VERSION) fail(ErrorCode.UnsupportedVersion, `sender key version ${version}`);
  return o;
}

const isCardId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isKeyId = (v: unknown): v is number => isUint(v) && v <= 0xffffffff;
const isConversation = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

export function serialiseOutbound(k: OutboundSenderKey): string {
  return JSON.stringify({
    version: k.version,
    conversationId: k.conversationId,
    keyId: k.keyId,
    iteration: k.iteration,
    chainKey: toBase64(k.chainKey),
    signingKey: { publicKey: toBase64(k.signingKey.publicKey), privateKey: toBase64(k.signingKey.privateKey) },
    createdAt: k.createdAt,
    messagesSent: k.messagesSent,
  });
}

export function deserialiseOutbound(text: string): OutboundSenderKey {
  const o = parse(text);
  const sk = field(o, 'signingKey', (v): v is object => typeof v === 'object' && v !== null);
  return {
    version: SENDER_KEY_VERSION,
    conversationId: field(o, 'conversationId', isConversation),
    keyId: field(o, 'keyId', isKeyId),
    iteration: field(o, 'iteration', isUint),
    chainKey: fromBase64(field(o, 'chainKey', isString), 32),
    signingKey: { publicKey: fromBase64(field(sk, 'publicKey', isString), 32), privateKey: fromBase64(field(sk, 'privateKey', isString), 32) },
    createdAt: field(o, 'createdAt', isUint),
    messagesSent: field(o, 'messagesSent', isUint),
  };
}

export function serialiseInbound(k: InboundSenderKey): string {
  return JSON.stringify({
    version: k.version,
    conversationId: k.conversationId,
    senderCardId: k.senderCardId,
    keyId: k.keyId,
    firstIteration: k.firstIteration,
    iteration: k.iteration,
    chainKey: toBase64(k.chainKey),
    signingPublicKey: toBase64(k.signingPublicKey),
    skipped: k.skipped.map((s) => ({ iteration: s.iteration, messageKey: toBase64(s.messageKey) })),
    receivedAt: k.receivedAt,
  });
}

export function deserialiseInbound(text: string): InboundSenderKey {
  const o = parse(text);
  const skipped = field(o, 'skipped', isArray);
  if (skipped.length > MAX_SENDER_SKIPPED_KEYS) fail(ErrorCode.Malformed, 'too many skipped keys');
  return {
    version: SENDER_KEY_VERSION,
    conversationId: field(o, 'conversationId', isConversation),
    senderCardId: field(o, 'senderCardId', isCardId),
    keyId: field(o, 'keyId', isKeyId),
    firstIteration: field(o, 'firstIteration', isUint),
    iteration: field(o, 'iteration', isUint),
    chainKey: fromBase64(field(o, 'chainKey', isString), 32),
    signingPublicKey: fromBase64(field(o, 'signingPublicKey', isString), 32),
    skipped: skipped.map((s) => ({ iteration: field(s, 'iteration', isUint), messageKey: fromBase64(field(s, 'messageKey', isString), 32) })),
    receivedAt: field(o, 'receivedAt', isUint),
  };
}
