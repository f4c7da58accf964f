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
 * Every ratchet step goes through `env.sessions.update('sessions', peerCardId, …)`; on receive, one step per peer
 * and mailbox page (receiveFromPeer), each sender key committed (nested update on 'senderKeys') before it, so a
 * crash in between only lets the same envelopes be processed again (receiving a known key is a no-op).
 */
import { ByteReader, ByteWriter, base64Decode, base64Encode, utf8Encode } from '../encoding';
import { ErrorCode, OvercryptError, fail, isError } from '../errors';
import type { EngineEnv } from '../service/engines';
import type { Write } from '../storage/keystore';
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
    after = page.envelopes.at(-1)!.id;
    const done: string[] = [];
    try {
      for (const batch of await byPeer(peers, page.envelopes, done)) {
        processed += await receiveFromPeer(env, device, batch, done);
      }
    } catch (err) {
      // Network or Locked: what committed is acked, the rest comes again next time.
      await ack(done);
      throw err;
    }
    await ack(done);
    if (page.envelopes.length < MAILBOX_PAGE) break;
  }
  return { processed };
}

interface Received {
  id: string;
  body: Uint8Array;
}

/**
 * The page's envelopes per trusted peer device, in mailbox order within each. Envelopes that will never open (not a
 * pairwise message, from a card we do not trust) go straight to `done` (acked as refused).
 */
async function byPeer(peers: PeerCards, envelopes: ReadonlyArray<{ id: string; envelope: string; senderCardId: string; senderIdentity: string }>, done: string[]): Promise<Array<{ peer: DeviceCard; items: Received[] }>> {
  const batches = new Map<string, { peer: DeviceCard; items: Received[] }>();
  for (const e of envelopes) {
    try {
      const envelope = decodeEnvelope(base64Decode(e.envelope));
      if (envelope.kind !== EnvelopeKind.PrekeyMessage && envelope.kind !== EnvelopeKind.RatchetMessage) fail(ErrorCode.Malformed, 'not a pairwise message');
      const peerCardId = peekSessionStart(envelope.body)?.initiatorCardId ?? e.senderCardId;
      const peer = await peers.trusted(e.senderIdentity, peerCardId);
      const batch = batches.get(peer.id) ?? { peer, items: [] };
      batch.items.push({ id: e.id, body: envelope.body });
      batches.set(peer.id, batch);
    } catch (err) {
      if (isError(err, ErrorCode.Network) || isError(err, ErrorCode.Locked)) throw err;
      done.push(e.id); // forged, malformed, from an untrusted card: never going to open
    }
  }
  return [...batches.values()];
}

/**
 * One peer's envelopes in ONE ratchet session step (one commit for the session, not one per envelope). Each sender
 * key is committed (its own step on 'senderKeys') before the session step, so a crash in between only lets the
 * envelopes be processed again (a known key is a no-op). An envelope that fails leaves the session as it was before
 * it and is refused; the others go on. Adds every envelope whose fate is settled to `done`; returns how many opened.
 */
async function receiveFromPeer(env: EngineEnv, device: Device, batch: { peer: DeviceCard; items: Received[] }, done: string[]): Promise<number> {
  const { peer, items } = batch;
  const settled: string[] = [];
  let opened = 0;
  await env.sessions.update<string, void>('sessions', peer.id, async (state) => {
    const prekeys = new KeystorePrekeyStore(env.keystore);
    let record = state !== undefined ? deserialiseRecord(state) : undefined;
    const writes: Write[] = [];
    for (const item of items) {
      try {
        const r = await decryptWithRecord(
          record,
          item.body,
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
        record = r.record;
        if (r.consumedOneTimePrekeyId !== null) writes.push({ store: 'prekeys', key: prekeyRecordKey('oneTime', r.consumedOneTimePrekeyId), value: undefined });
        opened++;
      } catch (err) {
        if (isError(err, ErrorCode.Network) || isError(err, ErrorCode.Locked)) throw err;
        // tampered, duplicate, a key for someone else's conversation: never going to open
      }
      settled.push(item.id);
    }
    return { state: record !== undefined ? serialiseRecord(record) : state, result: undefined, writes };
  });
  done.push(...settled);
  return opened;
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
