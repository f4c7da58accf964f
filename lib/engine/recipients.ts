/**
 * Who a conversation reaches: each participant's identity (`handle@namespace`) is looked up in the directory,
 * the card set is applied to the contact store (TOFU pin, key change, new/revoked devices) and only the trusted
 * cards — cross-signed by the pinned identity key — are offered. A contact whose identity key changed gets no
 * devices (nothing is encrypted to the new key until the user accepts it). The user's own other devices are
 * listed under the user's own identity; this device is marked `thisDevice`.
 */
import type { DeviceView, RecipientView, TrustState } from '../api/views';
import { deviceFingerprint, type ContactStore } from '../contacts';
import { ErrorCode, OvercryptError, isError } from '../errors';
import type { ConversationRef, EngineEnv } from '../service/engines';
import { parseDeviceCard, type DeviceCard } from './deps';
import { cardDirectory, contactStore, identityOf, loadDevice, type Device } from './device';

interface Participant {
  handle: string;
  identity: string;
}

export function participantsOf(conv: ConversationRef, ownIdentity: string): Participant[] {
  const self = conv.selfHandle?.trim().toLowerCase();
  const seen = new Set<string>();
  const out: Participant[] = [];
  for (const p of conv.participants) {
    if (p.handle.trim().toLowerCase() === self) continue;
    let identity: string;
    try {
      identity = identityOf(p.handle, conv.namespace);
    } catch {
      continue; // a handle that cannot be an identity (non-ASCII): nobody to encrypt to
    }
    if (identity === ownIdentity || seen.has(identity)) continue;
    seen.add(identity);
    out.push({ handle: p.handle, identity });
  }
  return out;
}

function deviceView(card: DeviceCard, state: TrustState, thisCardId: string): DeviceView {
  return {
    cardId: card.id,
    identity: card.identity,
    fingerprint: deviceFingerprint(card.publicKey),
    createdAt: card.createdAt,
    state,
    ...(card.id === thisCardId ? { thisDevice: true } : {}),
  };
}

/** Refreshes participants' cards from the directory, then answers from the contact store. */
export async function conversationRecipients(env: EngineEnv, conv: ConversationRef): Promise<RecipientView[]> {
  const device = await loadDevice(env);
  const own = device.record.identity;
  const people = participantsOf(conv, own);
  const contacts = await contactStore(env);
  const found = await searchOrOffline(env, [...people.map((p) => p.identity), own]);
  for (const identity of found ? [...people.map((p) => p.identity), own] : []) {
    const cards = found!.cards.filter((c) => c.identity === identity);
    if (await unchanged(contacts, identity, cards)) continue;
    await contacts.applyCardSet(identity, cards);
  }
  const views: RecipientView[] = [];
  for (const p of people) views.push(await personView(contacts, p, device.record.cardId));
  const ownCards = await contacts.trustedCards(own);
  views.push({
    identity: own,
    handle: conv.selfHandle ?? own,
    state: 'verified',
    devices: ownCards.map((c) => deviceView(c, 'verified', device.record.cardId)),
  });
  return views;
}

/**
 * The directory's current cards, or undefined when it cannot be reached: then the contact store's last verified
 * state answers (a conversation whose keys are already distributed keeps working offline; revocations made
 * meanwhile are seen on the next successful lookup).
 */
async function searchOrOffline(env: EngineEnv, identities: string[]): Promise<{ cards: DeviceCard[] } | undefined> {
  try {
    return await (await cardDirectory(env)).search(identities);
  } catch (e) {
    if (isError(e, ErrorCode.Network)) return undefined;
    throw e;
  }
}

/**
 * True when the directory lists exactly the cards we already trust for a settled contact: applying the set would
 * change nothing, so the signature checks and the sealed write are skipped (a 50-person channel is looked up on
 * every compose step).
 */
async function unchanged(contacts: ContactStore, identity: string, cards: DeviceCard[]): Promise<boolean> {
  const contact = await contacts.get(identity);
  if (!contact || contact.state === 'keyChanged' || contact.cards.length !== cards.length) return false;
  const trusted = new Set(contact.cards.map((raw) => parseDeviceCard(raw).id));
  return cards.every((c) => trusted.has(c.id)) && new Set(cards.map((c) => c.id)).size === cards.length;
}

async function personView(contacts: ContactStore, p: Participant, thisCardId: string): Promise<RecipientView> {
  const contact = await contacts.get(p.identity);
  if (!contact) return { identity: p.identity, handle: p.handle, state: 'noCard', devices: [] };
  const cards = contact.state === 'keyChanged' ? [] : await contacts.trustedCards(p.identity);
  if (cards.length === 0 && contact.state !== 'keyChanged') return { identity: p.identity, handle: p.handle, state: 'noCard', devices: [] };
  return { identity: p.identity, handle: p.handle, state: contact.state, devices: cards.map((c) => deviceView(c, contact.state, thisCardId)) };
}

/**
 * The trusted cards behind `cardIds` (participants' and our own), from the contact store as the last
 * `conversationRecipients` left it. A card that is not trusted (any more) is refused, never silently dropped.
 */
export async function trustedTargets(env: EngineEnv, device: Device, conv: ConversationRef, cardIds: string[]): Promise<DeviceCard[]> {
  const contacts = await contactStore(env);
  const identities = [...participantsOf(conv, device.record.identity).map((p) => p.identity), device.record.identity];
  const byId = new Map<string, DeviceCard>();
  for (const identity of identities) {
    const contact = await contacts.get(identity);
    if (!contact || contact.state === 'keyChanged') continue;
    for (const card of await contacts.trustedCards(identity)) byId.set(card.id, card);
  }
  const out: DeviceCard[] = [];
  for (const id of new Set(cardIds)) {
    if (id === device.record.cardId) continue;
    const card = byId.get(id);
    if (!card) throw new OvercryptError(ErrorCode.UntrustedIdentity, 'a recipient device is not trusted (any more)', { cardIds: [id] });
    out.push(card);
  }
  return out;
}
