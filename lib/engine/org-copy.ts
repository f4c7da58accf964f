/**
 * Org backup copy (seed 001): when managed policy pins an org key — never because the directory says so — every
 * message this device decrypts is re-encrypted to it (lib/org) and queued for the directory's archive. Best effort:
 * a failure never hides the message from the user; the outbox retries network failures.
 */
import { makeArchiveEntry, pinnedOrgKey } from '../org';
import type { EngineEnv } from '../service/engines';
import type { MessageHeader } from '../wire';

export async function archiveCopy(env: EngineEnv, header: MessageHeader, body: Uint8Array): Promise<void> {
  const orgPublicKey = env.config().orgPublicKey;
  if (orgPublicKey === undefined) return;
  try {
    const account = await env.account();
    if (!account) return;
    const entry = makeArchiveEntry({
      orgPublicKey: pinnedOrgKey({ orgPublicKey })!,
      header,
      body,
      archiver: { identity: account.identity, cardId: account.deviceCardId },
    });
    await env.directory.sendOrQueue({ kind: 'archive', body: entry });
  } catch {
    // A bad org key in policy or a refused upload: the message is still shown; status shows directory errors.
  }
}
