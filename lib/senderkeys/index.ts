/**
 * Per-conversation sender keys (Signal Sender Keys / Megolm model) for chat-sized group
 * messages: 89 bytes of overhead whatever the number of devices. Keys are distributed over the
 * pairwise Double Ratchet (lib/ratchet) and indexed by the peer that delivered them.
 *
 * Alice/Bob:
 * ```ts
 * await ensureCrypto();
 * const { distribution } = await prepareOutbound(alice, 'xmpp:room@muc.example', now);
 * // Alice -> Bob over the pairwise ratchet: encryptTo(aliceSessions, bobCardId, distribution!, binding)
 * await receiveDistribution(bob, aliceCardId, distribution!, now);   // after Bob's decryptFrom
 * const msg = await encryptGroupMessage(alice, 'xmpp:room@muc.example', utf8('hello room'), binding);
 * const got = await decryptGroupMessage(bob, 'xmpp:room@muc.example', msg, binding);
 * // got.senderCardId === aliceCardId; decrypting msg again: DuplicateMessage
 * // someone left: await rotateOutbound(alice, conv, now) and distribute to the remaining devices only
 * ```
 */
export {
  GROUP_MESSAGE_OVERHEAD,
  GROUP_MESSAGE_TYPE,
  DISTRIBUTION_TYPE,
  parseGroupMessage,
  parseDistribution,
  groupSignedBytes,
  type GroupMessage,
  type Distribution,
} from './message';
export {
  MAX_SENDER_KEY_GAP,
  MAX_SENDER_SKIPPED_KEYS,
  MAX_ITERATION,
  DEFAULT_ROTATION_POLICY,
  type RotationPolicy,
  type OutboundSenderKey,
  type InboundSenderKey,
  createOutboundSenderKey,
  shouldRotate,
  distributionOf,
  senderKeyEncrypt,
  inboundFromDistribution,
  senderKeyDecrypt,
  senderKeyDecryptMany,
  type GroupOpenResult,
} from './senderkey';
export { type SenderKeyStore, MemorySenderKeyStore } from './store';
export {
  MAX_INBOUND_KEYS_PER_SENDER,
  type GroupDecryptResult,
  prepareOutbound,
  rotateOutbound,
  encryptGroupMessage,
  receiveDistribution,
  decryptGroupMessage,
} from './cipher';
export { serialiseOutbound, deserialiseOutbound, serialiseInbound, deserialiseInbound } from './serialise';
