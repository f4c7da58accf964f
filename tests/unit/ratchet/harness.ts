/** A small two-party harness over the store-level ratchet API. */
import { utf8 } from '../../../lib/crypto/primitives';
import { MemorySessionStore, decryptFrom, encryptTo, startSession, serialiseRecord } from '../../../lib/ratchet';
import { newDevice, publish, claim, type TestDevice } from '../x3dh/devices';

export const T0 = 1_800_000_000_000;
export const BINDING = utf8('conversation=test;recipients=hash');

export class Peer {
  readonly dev: TestDevice;
  sessions = new MemorySessionStore();
  constructor(name: string) {
    this.dev = newDevice(name);
  }
  get cardId(): string {
    return this.dev.identity.cardId;
  }
  async publish(oneTime = 5): Promise<void> {
    await publish(this.dev, oneTime, T0);
  }
  async start(peer: Peer, now = T0): Promise<void> {
    await startSession(this.sessions, this.dev.identity, claim(peer.dev), now);
  }
  send(peer: Peer, text: string, binding = BINDING): Promise<Uint8Array> {
    return encryptTo(this.sessions, peer.cardId, utf8(text), binding);
  }
  async recv(peer: Peer, message: Uint8Array, binding = BINDING, now = T0): Promise<string> {
    const out = await decryptFrom({ sessions: this.sessions, prekeys: this.dev.prekeys }, this.dev.identity, peer.dev.remote, message, binding, now);
    return new TextDecoder().decode(out.plaintext);
  }
  /** Serialised record with `peer` (or '' when none): compares whole states cheaply. */
  async snapshot(peer: Peer): Promise<string> {
    const r = await this.sessions.load(peer.cardId);
    return r ? serialiseRecord(r) : '';
  }
  async currentBaseKey(peer: Peer): Promise<string | undefined> {
    const r = await this.sessions.load(peer.cardId);
    return r?.current ? Buffer.from(r.current.baseKey).toString('hex') : undefined;
  }
}

/** Alice and Bob, both with published prekeys; Alice has started a session to Bob. */
export async function pair(): Promise<{ alice: Peer; bob: Peer }> {
  const alice = new Peer('alice');
  const bob = new Peer('bob');
  await alice.publish();
  await bob.publish();
  await alice.start(bob);
  return { alice, bob };
}

export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? `non-Overcrypt: ${String(e)}`;
  }
}
