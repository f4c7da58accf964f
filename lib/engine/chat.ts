/**
 * Forward-secret chat messages (the chat default): one sender key per (device, conversation), handed to every
 * recipient device over pairwise ratchet sessions (pairwise.ts), then one group message per chat message whose
 * size does not depend on the number of devices. See docs/wire-format.md, "Forward-secret chat messages".
 *
 * Group message plaintext: varint sentAt (ms) ‖ UTF-8 text. AEAD associated data (and signed data): the encoded
 * chain context, which the receiver stored with the key. The stamp is not sent: the counter is the sender-key
 * iteration and the message id is derived from (sender card, key id, iteration) — unique per sender because an
 * iteration is never reused under a key and key ids never repeat per sender and conversation.
 */
import type { MessageHeader, TrustState } from '../api/views';
import { sha256 } from '../crypto/primitives';
import { ByteReader, ByteWriter, bytesEqual, concatBytes, fromHex, toHex, utf8Decode, utf8Encode } from '../encoding';
import { ErrorCode, OvercryptError, fail, isError } from '../errors';
import type { DecryptInput, DecryptOutput, EncryptInput, EncryptOutput, EngineEnv } from '../service/engines';
import { createOutboundSenderKey, distributionOf, parseGroupMessage, senderKeyDecrypt, senderKeyEncrypt, shouldRotate } from '../senderkeys';
import { signedBy } from '../senderkeys/senderkey';
import { HeaderFlag, decodeChainContext, encodeChainContext, joinHeader, makeEnvelope, recipientSetHash, splitArmor, EnvelopeKind, type ChainContext, type MessageHeader as WireHeader } from '../wire';
import { archiveCopy } from './org-copy';
import { contactStore, loadDevice, type Device } from './device';
import { BundleClaims, encodeSenderKeyControl, processMailbox, sendPairwise } from './pairwise';
import { trustedTargets } from './recipients';
import { inboundId, outboundId, readInbound, readOutbound, senderKeyConversation, writeOutbound, type InboundState, type OutboundState } from './senderkey-state';
import { serialiseInbound } from '../senderkeys';

const MESSAGE_ID_DOMAIN = utf8Encode('overcrypt/sk-message-id/v1\0');

/** 16-byte message id of a sender-key message: SHA-256(domain ‖ card id ‖ u32 key id ‖ u32 iteration)[0..16]. */
export function senderKeyMessageId(senderCardId: string, keyId: number, iteration: number): string {
  const w = new ByteWriter().bytes(MESSAGE_ID_DOMAIN).bytes(fromHex(senderCardId)).u32(keyId).u32(iteration);
  return toHex(sha256(w.finish()).subarray(0, 16));
}

export function chainContextFor(device: Device, input: Pick<EncryptInput, 'conversation'>, targetIds: string[], archived: boolean): ChainContext {
  return {
    conversation: { namespace: input.conversation.namespace, conversation: input.conversation.conversationId },
    senderIdentity: device.record.identity,
    senderCardId: device.record.cardId,
    audience: { type: 'recipients', hash: recipientSetHash([...targetIds, device.record.cardId]) },
    flags: archived ? HeaderFlag.ArchivedToOrg : 0,
  };
}

export async function encryptChat(env: EngineEnv, input: EncryptInput): Promise<EncryptOutput> {
  const device = await loadDevice(env);
  const targets = await trustedTargets(env, device, input.conversation, input.recipientCardIds);
  if (targets.length === 0) fail(ErrorCode.NotFound, 'no recipient devices');
  const context = chainContextFor(device, input, targets.map((c) => c.id), env.config().orgPublicKey !== undefined);
  const contextBytes = encodeChainContext(context);
  const conversation = senderKeyConversation(context);
  const now = env.clock.now();
  const body = concatBytes(new ByteWriter().varint(now).finish(), utf8Encode(input.plaintext));

  let distributionError: unknown;
  const sent = await env.sessions.update<OutboundState, { message: Uint8Array; keyId: number; iteration: number } | undefined>(
    'senderKeys',
    outboundId(conversation),
    async (state) => {
      const reuse = state !== undefined && bytesEqual(state.context, contextBytes) ? readOutbound(state) : undefined;
      let key = reuse && !shouldRotate(reuse, now) ? reuse : undefined;
      let holders = key ? [...state!.holders] : [];
      if (!key) {
        const previous = state ? readOutbound(state).keyId : undefined;
        do key = createOutboundSenderKey(conversation, now);
        while (key.keyId === previous);
      }
      const missing = targets.filter((c) => !holders.includes(c.id));
      if (missing.length > 0) {
        const payload = encodeSenderKeyControl(contextBytes, distributionOf(key));
        const claims = new BundleClaims(env);
        for (const card of missing) {
          try {
            await sendPairwise(env, device, card, payload, claims);
            holders.push(card.id);
          } catch (e) {
            distributionError ??= e;
          }
        }
      }
      // Devices that did get the key are remembered even if another one failed, so a retry only does the rest.
      if (distributionError) return { state: writeOutbound(key, contextBytes, holders), result: undefined };
      const out = senderKeyEncrypt(key, body, contextBytes);
      holders = [...new Set(holders)];
      return { state: writeOutbound(out.outbound, contextBytes, holders), result: { message: out.message, keyId: key.keyId, iteration: key.iteration } };
    },
  );
  if (!sent) throw distributionError;
  const messageId = senderKeyMessageId(device.record.cardId, sent.keyId, sent.iteration);
  const parts = splitArmor(makeEnvelope(EnvelopeKind.SenderKeyMessage, sent.message), input.maxPartLength);
  const header: MessageHeader = {
    messageId,
    conversationId: input.conversation.conversationId,
    senderIdentity: device.record.identity,
    senderCardId: device.record.cardId,
    sentAt: now,
    mode: 'forward-secret',
  };
  return { messageId, parts, header };
}

/** Decrypts a SenderKeyMessage body; an unknown key triggers one mailbox fetch, then `UnknownSenderKey`. */
export async function decryptChat(env: EngineEnv, input: DecryptInput, body: Uint8Array): Promise<DecryptOutput> {
  const m = parseGroupMessage(body);
  try {
    return await openGroupMessage(env, input, body);
  } catch (e) {
    if (!isError(e, ErrorCode.UnknownSenderKey)) throw e;
  }
  await processMailbox(env, await loadDevice(env));
  try {
    return await openGroupMessage(env, input, body);
  } catch (e) {
    if (isError(e, ErrorCode.UnknownSenderKey)) {
      throw new OvercryptError(ErrorCode.UnknownSenderKey, 'could not decrypt: the key for this message has not been received (yet)', { keyId: m.keyId });
    }
    throw e;
  }
}

async function openGroupMessage(env: EngineEnv, input: DecryptInput, body: Uint8Array): Promise<DecryptOutput> {
  const m = parseGroupMessage(body);
  const own = (await env.account())?.identity;
  const contacts = await contactStore(env);
  const opened = await env.sessions.update<InboundState, { out: DecryptOutput; wire: WireHeader; body: Uint8Array }>('senderKeys', inboundId(m.keyId), async (state) => {
    const keys = state?.keys ?? [];
    if (keys.length === 0) fail(ErrorCode.UnknownSenderKey, 'no sender key with this id');
    for (let i = 0; i < keys.length; i++) {
      const entry = keys[i]!;
      const key = readInbound(entry);
      if (!signedBy(key, m, entry.context)) continue;
      const out = senderKeyDecrypt(key, m, entry.context);
      const context = decodeChainContext(entry.context);
      const { sentAt, text } = readBody(out.plaintext);
      const trust: TrustState = context.senderIdentity === own ? 'verified' : ((await contacts.get(context.senderIdentity))?.state ?? 'firstSeen');
      const header: MessageHeader = {
        messageId: senderKeyMessageId(key.senderCardId, m.keyId, m.iteration),
        conversationId: context.conversation.conversation,
        senderIdentity: context.senderIdentity,
        senderCardId: key.senderCardId,
        sentAt,
        mode: 'forward-secret',
      };
      const result: DecryptOutput = { plaintext: text, header, senderName: context.senderIdentity, trust };
      const next = keys.map((e, j) => (j === i ? { ...e, key: serialiseInbound(out.inbound) } : e));
      const wire = joinHeader(context, { messageId: fromHex(header.messageId), counter: m.iteration, sentAt });
      return {
        state: { keys: next },
        result: { out: result, wire, body: utf8Encode(text) },
        writes: [env.cacheWrite(input.digest, { plaintext: text, header: { ...header, senderName: result.senderName, trust } })],
      };
    }
    return fail(ErrorCode.Tampered, 'group message does not verify under any key with its id');
  });
  await archiveCopy(env, opened.wire, opened.body);
  return opened.out;
}

function readBody(bytes: Uint8Array): { sentAt: number; text: string } {
  const r = new ByteReader(bytes);
  const sentAt = r.varint();
  return { sentAt, text: utf8Decode(bytes.subarray(r.offset)) };
}
