/**
 * Puts the ciphertext parts of one message into the site's compose box and triggers the site's own send, one part
 * at a time: the next part is written only after the site took the previous one (it empties its box on send).
 */
import { ErrorCode, OvercryptError } from '../errors';

export interface SendStrategy {
  /** Writes text into the box the way the site accepts it (default: site-box.ts writeBox). */
  write(box: Element, text: string): void;
  /** Triggers the site's send (click its button, or an Enter key event its handler listens to). */
  send(box: Element): void;
  /** True once the site has taken the text (its box is empty again). */
  accepted(box: Element): boolean;
}

export interface DeliverEnv {
  /** Resolves after about `ms` (polling interval while waiting for the site). */
  delay(ms: number): Promise<void>;
  now(): number;
  timeoutMs?: number;
}

/** Delivers every part in order; throws Network (site did not take a part in time) or Conflict (box vanished). */
export async function deliverParts(getBox: () => Element | null, parts: readonly string[], strategy: SendStrategy, env: DeliverEnv): Promise<void> {
  for (const part of parts) {
    const box = getBox();
    if (!box || !box.isConnected) throw new OvercryptError(ErrorCode.Conflict, 'the site compose box is gone');
    strategy.write(box, part);
    strategy.send(box);
    const deadline = env.now() + (env.timeoutMs ?? 5000);
    while (!strategy.accepted(box)) {
      if (env.now() > deadline) throw new OvercryptError(ErrorCode.Network, 'the site did not send the message part');
      await env.delay(20);
    }
  }
}
