/**
 * Where sender keys live. Outbound keys: one per conversation (this device's). Inbound keys:
 * indexed by (sender card id, key id), where the sender card id is the authenticated pairwise
 * peer that delivered the distribution; `findInbound(keyId)` lists candidates for a message.
 */
import type { InboundSenderKey, OutboundSenderKey } from './senderkey';

export interface SenderKeyStore {
  loadOutbound(conversationId: string): Promise<OutboundSenderKey | undefined>;
  saveOutbound(key: OutboundSenderKey): Promise<void>;
  loadInbound(senderCardId: string, keyId: number): Promise<InboundSenderKey | undefined>;
  /** Every inbound key with this id (normally one; ids are random 32-bit). */
  findInbound(keyId: number): Promise<InboundSenderKey[]>;
  /** Inbound keys of one sender in one conversation (for pruning old rotations). */
  listInbound(senderCardId: string, conversationId: string): Promise<InboundSenderKey[]>;
  saveInbound(key: InboundSenderKey): Promise<void>;
  deleteInbound(senderCardId: string, keyId: number): Promise<void>;
}

/** In-memory SenderKeyStore (tests; reference for the IndexedDB one). */
export class MemorySenderKeyStore implements SenderKeyStore {
  private readonly outbound = new Map<string, OutboundSenderKey>();
  private readonly inbound = new Map<string, InboundSenderKey>();
  async loadOutbound(conversationId: string): Promise<OutboundSenderKey | undefined> {
    return this.outbound.get(conversationId);
  }
  async saveOutbound(key: OutboundSenderKey): Promise<void> {
    this.outbound.set(key.conversationId, key);
  }
  async loadInbound(senderCardId: string, keyId: number): Promise<InboundSenderKey | undefined> {
    return this.inbound.get(`${senderCardId}:${keyId}`);
  }
  async findInbound(keyId: number): Promise<InboundSenderKey[]> {
    return [...this.inbound.values()].filter((k) => k.keyId === keyId);
  }
  async listInbound(senderCardId: string, conversationId: string): Promise<InboundSenderKey[]> {
    return [...this.inbound.values()].filter((k) => k.senderCardId === senderCardId && k.conversationId === conversationId);
  }
  async saveInbound(key: InboundSenderKey): Promise<void> {
    this.inbound.set(`${key.senderCardId}:${key.keyId}`, key);
  }
  async deleteInbound(senderCardId: string, keyId: number): Promise<void> {
    this.inbound.delete(`${senderCardId}:${keyId}`);
  }
}
