/**
 * Card mode (the webmail default): one lib/cardmode signAndEncrypt to every trusted card of the conversation
 * (+ our own other devices, + the org key when policy pins one); decrypt verifies against every trusted card
 * we know (the receiver does not know the conversation before decrypting). The header travels signed inside.
 */
import type { MessageHeader as ApiHeader, TrustState } from '../api/views';
import type { VirgilPrivateKey } from 'virgil-crypto';
import { decryptCardMessage, encryptCardMessage, newHeader, type DecryptedCardMessage } from '../cardmode';
import { ErrorCode, isError } from '../errors';
import { toHex, utf8Decode, utf8Encode } from '../encoding';
import type { DecryptInput, DecryptOutput, EncryptInput, EncryptOutput, EngineEnv } from '../service/engines';
import { EnvelopeKind, makeEnvelope, splitArmor } from '../wire';
import { importPrivateKeyBytes, type DeviceCard } from './deps';
import { contactStore, loadDevice } from './device';
import { archiveCopy } from './org-copy';
import { trustedTargets } from './recipients';

async function nextCounter(env: EngineEnv): Promise<number> {
  return env.sessions.update<number, number>('sessions', '\0card-counter', async (n) => ({ state: (n ?? 0) + 1, result: n ?? 0 }));
}

export async function encryptCardMode(env: EngineEnv, input: EncryptInput): Promise<EncryptOutput> {
  const device = await loadDevice(env);
  const targets = await trustedTargets(env, device, input.conversation, input.recipientCardIds);
  const orgPublicKey = env.config().orgPublicKey;
  const now = env.clock.now();
  const header = newHeader({
    conversation: { namespace: input.conversation.namespace, conversation: input.conversation.conversationId },
    sender: { identity: device.record.identity, cardId: device.record.cardId },
    scope: { recipientCardIds: [...targets.map((c) => c.id), device.record.cardId] },
    counter: await nextCounter(env),
    now,
    archived: orgPublicKey !== undefined,
  });
  const ciphertext = encryptCardMessage({
    sender: { identity: device.record.identity, card: device.card, privateKey: device.deviceKey.privateKey },
    recipients: targets,
    ...(orgPublicKey !== undefined ? { orgPublicKey } : {}),
    header,
    body: utf8Encode(input.plaintext),
  });
  const messageId = toHex(header.messageId);
  const parts = splitArmor(makeEnvelope(EnvelopeKind.CardMessage, ciphertext), input.maxPartLength);
  const view: ApiHeader = {
    messageId,
    conversationId: input.conversation.conversationId,
    senderIdentity: device.record.identity,
    senderCardId: device.record.cardId,
    sentAt: now,
    mode: 'card',
  };
  return { messageId, parts, header: view };
}

/** This device's key first, then keys of earlier devices restored from the backup. */
function openWithAnyKey(body: Uint8Array, keys: VirgilPrivateKey[], trusted: DeviceCard[]): DecryptedCardMessage {
  for (const privateKey of keys.slice(0, -1)) {
    try {
      return decryptCardMessage({ ciphertext: body, privateKey, trustedSenders: trusted });
    } catch (e) {
      if (!isError(e, ErrorCode.NotARecipient)) throw e;
    }
  }
  return decryptCardMessage({ ciphertext: body, privateKey: keys[keys.length - 1]!, trustedSenders: trusted });
}

export async function decryptCardMode(env: EngineEnv, _input: DecryptInput, body: Uint8Array): Promise<DecryptOutput> {
  const device = await loadDevice(env);
  const contacts = await contactStore(env);
  const trusted: DeviceCard[] = [device.card];
  for (const c of await contacts.list()) if (c.state !== 'keyChanged') trusted.push(...(await contacts.trustedCards(c.identity)));
  const out = openWithAnyKey(body, [device.deviceKey.privateKey, ...(device.record.formerDevices ?? []).map((d) => importPrivateKeyBytes(d.privateKey).privateKey)], trusted);
  const own = out.header.senderIdentity === device.record.identity;
  const trust: TrustState = own ? 'verified' : ((await contacts.get(out.header.senderIdentity))?.state ?? 'firstSeen');
  const header: ApiHeader = {
    messageId: toHex(out.header.messageId),
    conversationId: out.header.conversation.conversation,
    senderIdentity: out.header.senderIdentity,
    senderCardId: out.header.senderCardId,
    sentAt: out.header.sentAt,
    mode: 'card',
  };
  const plaintext = utf8Decode(out.body);
  await archiveCopy(env, out.header, out.body);
  return { plaintext, header, senderName: out.header.senderIdentity, trust };
}
