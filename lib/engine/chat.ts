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
import type { ContactStore } from '../contacts';
import type { DecryptInput, DecryptOutput, DecryptResult, EncryptInput, EncryptOutput, EngineEnv } from '../service/engines';
import type { Write } from '../storage/keystore';
import { createOutboundSenderKey, distributionOf, parseGroupMessage, senderKeyDecrypt, senderKeyDecryptMany, senderKeyEncrypt, shouldRotate, type GroupMessage, type InboundSenderKey } from '../senderkeys';
import { signedBy } from '../senderkeys/senderkey';
import { HeaderFlag, decodeChainContext, encodeChainContext, joinHeader, makeEnvelope, recipientSetHash, splitArmor, EnvelopeKind, type ChainContext, type MessageHeader as WireHeader } from '../wire';
import { archiveCopy } from './org-copy';
import { contactStore, loadDevice, type Device } from './device';
import { BundleClaims, encodeSenderKeyControl, processMailbox, sendPairwise } from './pairwise';
import { trustedTargets } from './recipients';
import { inboundId, outboundId, readInbound, readOutbound, senderKeyConversation, writeOutbound, type InboundEntry, type InboundState, type OutboundState } from './senderkey-state';
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
  const [result] = await decryptChatBatch(env, [{ input, body }]);
  if (!result!.ok) throw result!.error;
  return result!.out;
}

/**
 * Decrypts many SenderKeyMessage bodies (a display region), one result per message in the same order. Messages
 * under the same sender key id are opened in ONE `env.sessions.update`: one unseal of the key, a chain step per
 * message (senderKeyDecryptMany: the signatures are checked meanwhile, off the JS thread where the platform can), one
 * seal of the advanced key and every plaintext committed with it (env.cacheWrite) in one transaction.
 * A message that fails (tampered, duplicate, too old) leaves the key as it was for that message only: the others'
 * steps are kept. Keys not known yet trigger ONE mailbox fetch for the whole batch (shared with other batches running
 * at the same time), started before the known keys' messages are opened so the two overlap; still unknown after it:
 * `UnknownSenderKey`. A mailbox fetch that fails
 * (directory unreachable) fails only the messages that needed it, with its error.
 * Rejects only for Locked (nothing of that key's group is committed then).
 */
export async function decryptChatBatch(env: EngineEnv, messages: ReadonlyArray<{ input: DecryptInput; body: Uint8Array }>): Promise<DecryptResult[]> {
  const results: DecryptResult[] = new Array(messages.length);
  const groups = new Map<number, Group>();
  messages.forEach(({ input, body }, at) => {
    try {
      const m = parseGroupMessage(body);
      const group = groups.get(m.keyId) ?? [];
      group.push({ at, input, m });
      groups.set(m.keyId, group);
    } catch (error) {
      results[at] = { ok: false, error };
    }
  });
  if (groups.size === 0) return results;
  const reader = new GroupReader(env, (await env.account())?.identity, await contactStore(env));
  // A region that reaches into a newer key (rotated every 100 messages) needs the mailbox: the network round trips
  // run while the keys already held are used. The snapshot only decides when to fetch; `open` re-reads the state.
  const ids = [...groups.keys()];
  const held = await Promise.all(ids.map(async (keyId) => (await env.sessions.read<InboundState>('senderKeys', inboundId(keyId)))?.keys.length ?? 0));
  let mailbox = held.some((n) => n === 0) ? sharedMailbox(env) : undefined;
  // Keys the snapshot does not hold wait for the mailbox straight away (a session step on them would only commit
  // "nothing" and cost a transaction).
  let unknown = ids.filter((_, k) => held[k] === 0);
  for (const [k, keyId] of ids.entries()) {
    if (held[k] !== 0 && !(await reader.open(keyId, groups.get(keyId)!, results))) unknown.push(keyId);
  }
  if (unknown.length === 0) return results;
  let mailboxError: unknown;
  for (;;) {
    mailbox ??= sharedMailbox(env);
    mailboxError = await mailbox.done;
    if (isError(mailboxError, ErrorCode.Locked)) throw mailboxError;
    const still: number[] = [];
    for (const keyId of unknown) if (!(await reader.open(keyId, groups.get(keyId)!, results))) still.push(keyId);
    unknown = still;
    // A fetch joined from another region may have started before our key's envelope arrived: one of our own then.
    if (unknown.length === 0 || !mailbox.joined) break;
    mailbox = { done: fetchMailbox(env), joined: false };
  }
  for (const keyId of unknown) {
    const error =
      mailboxError ?? new OvercryptError(ErrorCode.UnknownSenderKey, 'could not decrypt: the key for this message has not been received (yet)', { keyId });
    for (const { at } of groups.get(keyId)!) results[at] = { ok: false, error };
  }
  return results;
}

type Group = Array<{ at: number; input: DecryptInput; m: GroupMessage }>;

/**
 * processMailbox for a display waiting on it (acks not awaited), settled: undefined when it went through, else its
 * error (so it can run unawaited while known keys are used).
 */
function fetchMailbox(env: EngineEnv): Promise<unknown> {
  return (async () => processMailbox(env, await loadDevice(env), { ackInBackground: true }))().then(
    () => undefined,
    (error: unknown) => error ?? new OvercryptError(ErrorCode.Internal, 'mailbox fetch failed'),
  );
}

/** The display's mailbox fetch in flight per engine env: a page of history opens many regions at once. No secrets. */
const mailboxInFlight = new WeakMap<EngineEnv, Promise<unknown>>();

/**
 * A mailbox fetch for a batch: the one another batch has in flight (`joined`), else a new one. Ten regions of a page
 * that all reach new keys make one round of requests to the directory, not ten.
 */
function sharedMailbox(env: EngineEnv): { done: Promise<unknown>; joined: boolean } {
  const running = mailboxInFlight.get(env);
  if (running) return { done: running, joined: true };
  const done = fetchMailbox(env).finally(() => mailboxInFlight.delete(env));
  mailboxInFlight.set(env, done);
  return { done, joined: false };
}

/** Opens groups of messages under one key id each; trust looked up once per sender identity. */
class GroupReader {
  private readonly trust = new Map<string, Promise<TrustState>>();
  constructor(
    private readonly env: EngineEnv,
    private readonly own: string | undefined,
    private readonly contacts: ContactStore,
  ) {}

  /** Fills `results` for the group; false when no key with this id is known (nothing committed). */
  async open(keyId: number, group: Readonly<Group>, results: DecryptResult[]): Promise<boolean> {
    const env = this.env;
    const archiving = env.config().orgPublicKey !== undefined;
    const opened = await env.sessions.update<InboundState, { known: boolean; archive: Array<{ wire: WireHeader; body: Uint8Array }> }>('senderKeys', inboundId(keyId), async (state) => {
      const entries = state?.keys ?? [];
      if (entries.length === 0) return { state, result: { known: false, archive: [] } };
      const keys = entries.map((e) => readInbound(e));
      // Each key's context, decoded once for the group (the same bytes for every message under that key).
      const chains: ChainContext[] = [];
      const opened = await openGroup(keys, entries, group);
      const changed = new Set<number>();
      const writes: Write[] = [];
      const archive: Array<{ wire: WireHeader; body: Uint8Array }> = [];
      for (const [k, { at, input, m }] of group.entries()) {
        try {
          const o = opened.results[k]!;
          if (!o.ok) throw o.error;
          changed.add(o.key);
          const senderCardId = keys[o.key]!.senderCardId;
          const chain = (chains[o.key] ??= decodeChainContext(entries[o.key]!.context));
          const { sentAt, text } = readBody(o.plaintext);
          const header: MessageHeader = {
            messageId: senderKeyMessageId(senderCardId, m.keyId, m.iteration),
            conversationId: chain.conversation.conversation,
            senderIdentity: chain.senderIdentity,
            senderCardId,
            sentAt,
            mode: 'forward-secret',
          };
          const trust = await this.trustOf(chain.senderIdentity);
          const result: DecryptOutput = { plaintext: text, header, senderName: chain.senderIdentity, trust };
          writes.push(env.cacheWrite(input.digest, { plaintext: text, header: { ...header, senderName: result.senderName, trust } }));
          if (archiving) archive.push({ wire: joinHeader(chain, { messageId: fromHex(header.messageId), counter: m.iteration, sentAt }), body: utf8Encode(text) });
          results[at] = { ok: true, out: result };
        } catch (error) {
          if (isError(error, ErrorCode.Locked)) throw error;
          results[at] = { ok: false, error };
        }
      }
      opened.keys.forEach((key, j) => (keys[j] = key));
      if (changed.size === 0) return { state, result: { known: true, archive } };
      const next = entries.map((e, j) => (changed.has(j) ? { ...e, key: serialiseInbound(keys[j]!) } : e));
      return { state: { keys: next }, result: { known: true, archive }, writes };
    });
    for (const copy of opened.archive) await archiveCopy(env, copy.wire, copy.body);
    return opened.known;
  }

  private trustOf(identity: string): Promise<TrustState> {
    let t = this.trust.get(identity);
    if (!t) {
      t = identity === this.own ? Promise.resolve('verified' as const) : this.contacts.get(identity).then((c) => c?.state ?? 'firstSeen');
      this.trust.set(identity, t);
    }
    return t;
  }
}

/** Per message of a group: the plaintext and which key (index in `keys`) opened it, or the error. */
type Opened = { ok: true; key: number; plaintext: Uint8Array } | { ok: false; error: unknown };

/**
 * Opens a group's messages in order, each key advanced by the messages it opened (a failed one leaves it as it was).
 * One key under the id (the normal case): senderKeyDecryptMany, whose signature checks run alongside the chain
 * steps. Several (senders that drew the same random id, rare): each message goes to the key it verifies under.
 */
async function openGroup(keys: readonly InboundSenderKey[], entries: readonly InboundEntry[], group: Readonly<Group>): Promise<{ keys: InboundSenderKey[]; results: Opened[] }> {
  if (keys.length === 1) {
    const many = await senderKeyDecryptMany(keys[0]!, group.map((g) => g.m), entries[0]!.context);
    return { keys: [many.inbound], results: many.results.map((r) => (r.ok ? { ok: true, key: 0, plaintext: r.plaintext } : r)) };
  }
  const next = [...keys];
  const results = group.map(({ m }): Opened => {
    try {
      const i = next.findIndex((k, j) => signedBy(k, m, entries[j]!.context));
      if (i < 0) fail(ErrorCode.Tampered, 'group message does not verify under any key with its id');
      const out = senderKeyDecrypt(next[i]!, m, entries[i]!.context);
      next[i] = out.inbound;
      return { ok: true, key: i, plaintext: out.plaintext };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { keys: next, results };
}

function readBody(bytes: Uint8Array): { sentAt: number; text: string } {
  const r = new ByteReader(bytes);
  const sentAt = r.varint();
  return { sentAt, text: utf8Decode(bytes.subarray(r.offset)) };
}
