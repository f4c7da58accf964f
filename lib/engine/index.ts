/**
 * The real engines (lib/service/engines.ts) over the crypto modules:
 *
 *   const engines = createEngines();   // entrypoints/background.ts wraps it in whenReady(...)
 *
 * - account: account.ts (register/restore/backup with the derived login password; cross-signed device cards)
 * - messages: forward-secret chat (chat.ts: sender keys over pairwise ratchets through the mailbox) or card mode
 *   (cardmode.ts), chosen by the site's mode on encrypt and by the armor kind on decrypt
 * - contacts: the TOFU contact store (device.ts), safety numbers
 * - keys: prekey upkeep (prekeys.ts), mailbox (pairwise.ts), card refresh
 * State lives only in env.keystore / env.sessions (sealed); nothing secret in module globals.
 */
import type { PageWarning } from '../api/views';
import { computeSafetyNumber, toContactView } from '../contacts';
import { ErrorCode, fail, isError } from '../errors';
import type { ContactsEngine, DecryptInput, DecryptResult, Engines, KeyMaintenance, MessageEngine } from '../service/engines';
import { EnvelopeKind, dearmor } from '../wire';
import { accountEngine } from './account';
import { decryptCardMode, encryptCardMode } from './cardmode';
import { decryptChat, decryptChatBatch, encryptChat } from './chat';
import { cardDirectory, contactStore, loadDevice } from './device';
import { processMailbox } from './pairwise';
import { prekeyStatus, upkeep } from './prekeys';
import { conversationRecipients } from './recipients';

const messages: MessageEngine = {
  recipients: (env, conversation) => conversationRecipients(env, conversation),
  encrypt: (env, input) => (input.mode === 'card' ? encryptCardMode(env, input) : encryptChat(env, input)),
  async decrypt(env, input) {
    const envelope = dearmor(input.parts.join('\n'));
    if (envelope.kind === EnvelopeKind.SenderKeyMessage) return decryptChat(env, input, envelope.body);
    if (envelope.kind === EnvelopeKind.CardMessage) return decryptCardMode(env, input, envelope.body);
    return fail(ErrorCode.Malformed, 'this armor is not a message for display');
  },
  /** A display region: chat messages per sender key in one session step each (chat.ts); card mail one by one. */
  async decryptBatch(env, inputs) {
    const results: DecryptResult[] = new Array(inputs.length);
    const chat: Array<{ at: number; input: DecryptInput; body: Uint8Array }> = [];
    for (const [at, input] of inputs.entries()) {
      try {
        const envelope = dearmor(input.parts.join('\n'));
        if (envelope.kind === EnvelopeKind.SenderKeyMessage) chat.push({ at, input, body: envelope.body });
        else if (envelope.kind === EnvelopeKind.CardMessage) results[at] = { ok: true, out: await decryptCardMode(env, input, envelope.body) };
        else fail(ErrorCode.Malformed, 'this armor is not a message for display');
      } catch (error) {
        if (isError(error, ErrorCode.Locked)) throw error;
        results[at] = { ok: false, error };
      }
    }
    if (chat.length > 0) (await decryptChatBatch(env, chat)).forEach((r, k) => (results[chat[k]!.at] = r));
    return results;
  },
};

const contacts: ContactsEngine = {
  async list(env) {
    const device = await loadDevice(env);
    const store = await contactStore(env);
    return (await store.list()).filter((c) => c.identity !== device.record.identity).map((c) => toContactView(c, device.record.cardId));
  },
  /**
   * Verifying a contact whose identity key changed means: the user compared the NEW safety number (see below)
   * and accepts the new key; it becomes the pin, the contact's cards are re-read, and the contact is verified.
   */
  async setVerified(env, identity, verified) {
    const device = await loadDevice(env);
    const store = await contactStore(env);
    const contact = await store.get(identity);
    if (!contact) fail(ErrorCode.NotFound, 'unknown contact');
    if (!verified) return toContactView(await store.markUnverified(identity), device.record.cardId);
    let key = contact.identityKey;
    if (contact.state === 'keyChanged' && contact.offeredIdentityKey) {
      key = contact.offeredIdentityKey;
      await store.acceptIdentityKey(identity, key);
      const found = await (await cardDirectory(env)).search([identity]);
      await store.applyCardSet(identity, found.cards.filter((c) => c.identity === identity));
    }
    return toContactView(await store.markVerified(identity, key), device.record.cardId);
  },
  /** Over the pinned key — or, while the key is changed, over the key now offered (what the user must compare). */
  async safetyNumber(env, identity) {
    const device = await loadDevice(env);
    const contact = await (await contactStore(env)).get(identity);
    if (!contact) fail(ErrorCode.NotFound, 'unknown contact');
    const key = contact.state === 'keyChanged' && contact.offeredIdentityKey ? contact.offeredIdentityKey : contact.identityKey;
    return computeSafetyNumber({ identity: device.record.identity, identityKey: device.identityKeyBase64 }, { identity, identityKey: key });
  },
};

const keys: KeyMaintenance = {
  prekeyStatus: (env) => prekeyStatus(env),
  topUpPrekeys: (env) => upkeep(env, { fill: true }),
  rotateSignedPrekey: (env, force) => upkeep(env, { forceRotate: force }),
  fetchMailbox: async (env) => processMailbox(env, await loadDevice(env)),
  async refreshCards(env) {
    const device = await loadDevice(env);
    const store = await contactStore(env);
    const all = await store.list();
    if (all.length === 0) return [];
    const found = await (await cardDirectory(env)).search(all.map((c) => c.identity));
    const warnings: PageWarning[] = [];
    for (const c of all) {
      const { events } = await store.applyCardSet(c.identity, found.cards.filter((card) => card.identity === c.identity));
      if (c.identity === device.record.identity) continue;
      for (const e of events) {
        if (e.kind === 'identity-key-changed') warnings.push({ kind: 'keyChanged', identity: e.identity });
        else if (e.kind === 'new-device') warnings.push({ kind: 'newDevice', identity: e.identity, cardId: e.cardId });
      }
    }
    return warnings;
  },
};

export function createEngines(): Engines {
  return { account: accountEngine, messages, contacts, keys };
}
