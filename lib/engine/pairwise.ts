/**
 * Pairwise Double Ratchet sessions between this device and another device, used only to hand over sender keys
 * (and their chain context) through the directory mailbox.
 *
 * Control payload (the ratchet plaintext), version 1:
 *   u8 1 (version) ‖ u8 1 (sender key) ‖ varint n, n bytes chain context (lib/wire/header) ‖ distribution bytes
 * The ratchet's associated data is the constant PAIRWISE_BINDING: both device cards are already bound by X3DH's
 * associated data, and the chain context inside says which conversation the key is for.
 *
 * Mailbox envelope: base64 of `encodeEnvelope(PrekeyMessage | RatchetMessage, ratchet bytes)`, `seq` per sender
 * (a persistent counter), posted with `sendOrQueue` so it waits out a directory outage.
 *
 * Every ratchet step goes through `env.sessions.update('sessions', peerCardId, …)`; on receive the sender key is
 * committed (nested update on 'senderKeys') before the ratchet step, so a crash in between only lets the same
 * envelope be processed again (receiving a known key is a no-op).
 */
import { ByteReader, ByteWriter, base64Decode, base64Encode, utf8Encode } from '../encoding';
import { ErrorCode, OvercryptError, fail, isError } from '../errors';
import type { EngineEnv } from '../service/engines';
import { addInitiatedSession, createInitiatorSession, decryptWithRecord, deserialiseRecord, emptyRecord, encryptWithRecord, peekSessionStart, serialiseRecord } from '../ratchet';
import { parseDistribution } from '../senderkeys';
import { decodeChainContext, decodeEnvelope, encodeEnvelope, EnvelopeKind, makeEnvelope, type ChainContext } from '../wire';
import { verifyPrekeyBundle, type VerifiedBundle } from '../x3dh';
import type { PrekeyBundle } from '../directory/wire';
import { rawPublicKey, type DeviceCard } from './deps';
import { contactStore, cardDirectory, type Device } from './device';
import { KeystorePrekeyStore, prekeyRecordKey } from './prekeys';
import { storeInboundKey, senderKeyConversation } from './senderkey-state';

export const PAIRWISE_BINDING = utf8Encode('overcrypt/pairwise-control/v1');
const CONTROL_VERSION = 1;
const CONTROL_SENDER_KEY = 1;
const MAX_CONTEXT_BYTES = 1024;
const MAILBOX_PAGE = 100;

export function encodeSenderKeyControl(context: Uint8Array, distribution: Uint8Array): Uint8Array {
  return new ByteWriter().u8(CONTROL_VERSION).u8(CONTROL_SENDER_KEY).lenBytes(context).bytes(distribution).finish();
}

function decodeSenderKeyControl(bytes: Uint8Array): { context: ChainContext; contextBytes: Uint8Array; distribution: Uint8Array } {
  const r = new ByteReader(bytes);
  if (r.u8() !== CONTROL_VERSION) fail(ErrorCode.UnsupportedVersion, 'control payload version');
  if (r.u8() !== CONTROL_SENDER_KEY) fail(ErrorCode.Malformed, 'unknown control payload');
  const contextBytes = r.lenBytes(MAX_CONTEXT_BYTES);
  const distribution = bytes.slice(bytes.length - r.remaining);
  return { context: decodeChainContext(contextBytes), contextBytes, distribution };
}

/** Claims bundles once per identity within one send (a claim uses up one-time prekeys of every device). */
/**
 * Prekey bundles claimed while sending, one claim per device that needs a new session: only that device's
 * one-time prekey is used up, not one of each of the person's other devices (which may have sessions already).
 */
export class BundleClaims {
  private readonly claims = new Map<string, Promise<PrekeyBundle[]>>();
  constructor(private readonly env: EngineEnv) {}

  async bundleFor(card: DeviceCard): Promise<VerifiedBundle> {
    let claim = this.claims.get(card.id);
    if (!claim) {
      claim = this.env.directory.claimPrekeys(card.identity, [card.id]).then((r) => r.bundles);
      this.claims.set(card.id, claim);
    }
    const bundle = (await claim).find((b) => b.cardId === card.id);
    if (!bundle) throw new OvercryptError(ErrorCode.NoSessionForDevice, 'the directory has no prekeys for this device', { cardId: card.id });
    // Signatures checked against the key of the card we trust, not anything the directory says.
    return verifyPrekeyBundle(bundle, rawPublicKey(card.publicKey));
  }
}

/** Encrypts `payload` for `peer` (starting a session from a claimed bundle if needed) and posts it. */
export async function sendPairwise(env: EngineEnv, device: Device, peer: DeviceCard, payload: Uint8Array, claims: BundleClaims): Promise<void> {
  const message = await env.sessions.update<string, Uint8Array>('sessions', peer.id, async (state) => {
    let record = state !== undefined ? deserialiseRecord(state) : emptyRecord(peer.id);
    if (!record.current) record = addInitiatedSession(record, createInitiatorSession(device.self, await claims.bundleFor(peer), env.clock.now()));
    const out = encryptWithRecord(record, payload, PAIRWISE_BINDING);
    return { state: serialiseRecord(out.record), result: out.message };
  });
  const kind = peekSessionStart(message) ? EnvelopeKind.PrekeyMessage : EnvelopeKind.RatchetMessage;
  const seq = await nextSeq(env);
  await env.directory.sendOrQueue({
    kind: 'mailbox',
    recipientCardId: peer.id,
    body: { senderCardId: device.record.cardId, seq, envelope: base64Encode(encodeEnvelope(makeEnvelope(kind, message))) },
  });
}

async function nextSeq(env: EngineEnv): Promise<number> {
  return env.sessions.update<number, number>('sessions', '\0mailbox-seq', async (n) => ({ state: (n ?? 0) + 1, result: n ?? 0 }));
}

/**
 * Fetches the whole mailbox, processes each envelope, acks what is done (processed, or refused for good).
 * Stops at a network error, leaving the rest for next time. `ackInBackground` (a display waiting for a key): resolve
 * once the envelopes are processed, without waiting for the acks; a lost ack only brings the envelopes back next
 * time, where a key already held is a no-op and a ratchet message already opened is refused (and acked then).
 */
export async function processMailbox(env: EngineEnv, device: Device, options: { ackInBackground?: boolean } = {}): Promise<{ processed: number }> {
  const cardId = device.record.cardId;
  const ack = async (ids: string[]): Promise<void> => {
    if (ids.length === 0) return;
    const sent = env.directory.ackMailbox(cardId, ids);
    if (options.ackInBackground) void sent.catch(() => undefined);
    else await sent;
  };
  const peers = new PeerCards(env);
  let processed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await env.directory.fetchMailbox(cardId, after, MAILBOX_PAGE);
    if (page.envelopes.length === 0) break;
    const done: string[] = [];
    for (const e of page.envelopes) {
      after = e.id;
      try {
        await receiveEnvelope(env, device, peers, e.envelope, e.senderCardId, e.senderIdentity);
        processed++;
        done.push(e.id);
      } catch (err) {
        if (isError(err, ErrorCode.Network) || isError(err, ErrorCode.Locked)) {
          await ack(done);
          throw err;
        }
        done.push(e.id); // forged, tampered, duplicate, from an untrusted card: never going to open
      }
    }
    await ack(done);
    if (page.envelopes.length < MAILBOX_PAGE) break;
  }
  return { processed };
}

async function receiveEnvelope(env: EngineEnv, device: Device, peers: PeerCards, envelopeB64: string, mailboxSender: string, senderIdentity: string): Promise<void> {
  const envelope = decodeEnvelope(base64Decode(envelopeB64));
  if (envelope.kind !== EnvelopeKind.PrekeyMessage && envelope.kind !== EnvelopeKind.RatchetMessage) fail(ErrorCode.Malformed, 'not a pairwise message');
  const peerCardId = peekSessionStart(envelope.body)?.initiatorCardId ?? mailboxSender;
  const peer = await peers.trusted(senderIdentity, peerCardId);
  await env.sessions.update<string, void>('sessions', peer.id, async (state) => {
    const prekeys = new KeystorePrekeyStore(env.keystore);
    const r = await decryptWithRecord(
      state !== undefined ? deserialiseRecord(state) : undefined,
      envelope.body,
      {
        self: device.self,
        peer: { cardId: peer.id, signingPublicKey: rawPublicKey(peer.publicKey) },
        resolvePrekeys: async (signedId, oneTimeId) => ({
          signed: await prekeys.get('signed', signedId),
          oneTime: oneTimeId === null ? undefined : await prekeys.get('oneTime', oneTimeId),
        }),
      },
      PAIRWISE_BINDING,
      env.clock.now(),
    );
    await deliverControl(env, peer, r.plaintext);
    const writes = r.consumedOneTimePrekeyId === null ? [] : [{ store: 'prekeys' as const, key: prekeyRecordKey('oneTime', r.consumedOneTimePrekeyId), value: undefined }];
    return { state: serialiseRecord(r.record), result: undefined, writes };
  });
}

async function deliverControl(env: EngineEnv, peer: DeviceCard, plaintext: Uint8Array): Promise<void> {
  const { context, contextBytes, distribution } = decodeSenderKeyControl(plaintext);
  // The chain context must name the device that delivered it: nobody hands out keys in someone else's name.
  if (context.senderCardId !== peer.id || context.senderIdentity !== peer.identity) fail(ErrorCode.HeaderMismatch, 'sender key context names another sender');
  const d = parseDistribution(distribution);
  if (d.conversationId !== senderKeyConversation(context)) fail(ErrorCode.HeaderMismatch, 'sender key is for another conversation');
  await storeInboundKey(env, peer.id, d, contextBytes);
}

/** Trusted cards of message senders, looked up (and TOFU-pinned) through the contact store once per identity. */
export class PeerCards {
  private readonly byIdentity = new Map<string, Promise<DeviceCard[]>>();
  constructor(private readonly env: EngineEnv) {}

  async trusted(identity: string, cardId: string): Promise<DeviceCard> {
    let cards = this.byIdentity.get(identity);
    if (!cards) {
      cards = this.refresh(identity);
      this.byIdentity.set(identity, cards);
    }
    const card = (await cards).find((c) => c.id === cardId);
    if (!card) throw new OvercryptError(ErrorCode.UntrustedIdentity, 'message from a device card we do not trust', { cardId });
    return card;
  }

  private async refresh(identity: string): Promise<DeviceCard[]> {
    const contacts = await contactStore(this.env);
    const found = await (await cardDirectory(this.env)).search([identity]);
    await contacts.applyCardSet(identity, found.cards);
    return contacts.trustedCards(identity);
  }
}
