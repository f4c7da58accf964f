/**
 * Who a card-mode message is encrypted to, and who may have sent one: the trusted
 * (pinned-identity, cross-signed, app-signed) active cards from the contact store.
 * A participant with no trusted card blocks sending with a typed error instead of
 * being silently left out.
 */
import type { DeviceCard } from '../cards';
import type { ContactStore } from '../contacts';
import { ErrorCode, fail } from '../errors';

export interface ResolvedRecipients {
  /** every trusted card of every participant and of our own identity */
  cards: DeviceCard[];
  /** participants whose pinned identity key differs from what the directory now shows */
  changedIdentities: string[];
}

/**
 * `participants` may include our own identity; it is added anyway so our other devices
 * can read what we sent. Throws `NotRegistered` for a participant we have never seen
 * (refresh their cards first) and `UntrustedIdentity` when none of their cards is trusted.
 */
export async function resolveRecipients(contacts: ContactStore, participants: string[], ownIdentity: string): Promise<ResolvedRecipients> {
  const identities = [...new Set([...participants, ownIdentity])];
  const cards: DeviceCard[] = [];
  const changedIdentities: string[] = [];
  for (const identity of identities) {
    const contact = await contacts.get(identity);
    if (!contact) fail(ErrorCode.NotRegistered, `no cards known for ${identity}`, { identity });
    const trusted = contact.cards.length > 0 ? await contacts.trustedCards(identity) : [];
    if (contact.state === 'keyChanged') changedIdentities.push(identity);
    if (trusted.length === 0 && identity !== ownIdentity) {
      fail(ErrorCode.UntrustedIdentity, `no trusted card for ${identity}`, { identity, state: contact.state });
    }
    cards.push(...trusted);
  }
  return { cards, changedIdentities };
}

/** Cards that may have signed a message in a conversation with `participants` (plus our own devices). */
export async function trustedSenderCards(contacts: ContactStore, participants: string[], ownIdentity: string): Promise<DeviceCard[]> {
  const identities = [...new Set([...participants, ownIdentity])];
  const lists = await Promise.all(identities.map((id) => contacts.trustedCards(id)));
  return lists.flat();
}
