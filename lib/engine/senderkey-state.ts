/**
 * Sender-key state records (sealed store `senderKeys`, through `env.sessions.update`):
 *
 * - `out:<conversation>` — this device's outbound key for a conversation (serialised), the encoded chain context
 *   it was distributed with, and the device cards known to hold it. A changed context (recipient set, org flag)
 *   means a new key: every holder needs the new context anyway, and a device that left must not get the next one.
 * - `in:<keyId>` — inbound keys with that 32-bit id (normally one), each with the chain context its distribution
 *   carried (the AEAD binding of every message under it) and the authenticated pairwise peer that delivered it.
 *   Messages name only the key id, so the receiver finds the key — and the conversation — from the id.
 *
 * Conversation string of a sender key: JSON of [namespace, conversation] (unambiguous, ≤ 512 bytes).
 */
import { ErrorCode, fail } from '../errors';
import type { EngineEnv } from '../service/engines';
import {
  deserialiseInbound,
  deserialiseOutbound,
  inboundFromDistribution,
  serialiseInbound,
  serialiseOutbound,
  type Distribution,
  type InboundSenderKey,
  type OutboundSenderKey,
} from '../senderkeys';
import type { ChainContext } from '../wire';

export interface OutboundState {
  key: string;
  context: Uint8Array;
  holders: string[];
}

export interface InboundEntry {
  key: string;
  context: Uint8Array;
}

export interface InboundState {
  keys: InboundEntry[];
}

/** Inbound keys kept under one id (different senders that drew the same random id). */
const MAX_KEYS_PER_ID = 4;

export function senderKeyConversation(context: Pick<ChainContext, 'conversation'>): string {
  return JSON.stringify([context.conversation.namespace, context.conversation.conversation]);
}

export const outboundId = (conversation: string): string => `out:${conversation}`;
export const inboundId = (keyId: number): string => `in:${keyId}`;

export function readOutbound(state: OutboundState): OutboundSenderKey {
  return deserialiseOutbound(state.key);
}
export function writeOutbound(key: OutboundSenderKey, context: Uint8Array, holders: string[]): OutboundState {
  return { key: serialiseOutbound(key), context, holders };
}

export function readInbound(entry: InboundEntry): InboundSenderKey {
  return deserialiseInbound(entry.key);
}

/** Stores a key delivered by `senderCardId`; a repeat changes nothing (it must not rewind the chain). */
export async function storeInboundKey(env: EngineEnv, senderCardId: string, d: Distribution, context: Uint8Array): Promise<void> {
  await env.sessions.update<InboundState, void>('senderKeys', inboundId(d.keyId), async (state) => {
    const keys = state?.keys ?? [];
    const existing = keys.find((e) => readInbound(e).senderCardId === senderCardId);
    if (existing) {
      if (readInbound(existing).conversationId !== d.conversationId) fail(ErrorCode.Conflict, 'sender key id reused for another conversation');
      return { state, result: undefined };
    }
    const inbound = inboundFromDistribution(d, senderCardId, env.clock.now());
    const next = [...keys, { key: serialiseInbound(inbound), context }].slice(-MAX_KEYS_PER_ID);
    return { state: { keys: next }, result: undefined };
  });
}
