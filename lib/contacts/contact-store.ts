/**
 * Contacts: who we talk to, which identity key we pinned for them, and which of their
 * device cards we trust.
 *
 * - On first sight of an identity its identity key (from the cards' `identity`
 *   cross-signature) is pinned: trust on first use, state `firstSeen`.
 * - After comparing safety numbers the user marks the contact `verified`.
 * - When the directory later serves cards cross-signed by a different identity key,
 *   the pin does NOT move: the contact becomes `keyChanged`, the new cards are not
 *   trusted (not encrypted to), and an `identity-key-changed` event is emitted. Only
 *   `acceptIdentityKey` (a user decision) re-pins.
 * Applying a refreshed card set diffs it against the trusted cards we had and emits
 * typed events (new device, device replaced / key changed, card revoked).
 *
 * Operations on one contact run one after another (per-identity queue), so two
 * refreshes cannot interleave their load/store.
 */
import { isSignedByPrevious, sameKey, checkDeviceCard, isValidIdentity, parseDeviceCard, type DeviceCard, type PinnedTrust, type RawCardJson, type CardRejection } from '../cards';
import { ErrorCode, fail } from '../errors';
import type { AsyncStorage } from './storage';

export type TrustState = 'firstSeen' | 'verified' | 'keyChanged';

export interface Contact {
  identity: string;
  /** pinned identity public key (base64 DER) */
  identityKey: string;
  state: TrustState;
  firstSeenAt: number;
  verifiedAt?: number;
  /** set while `state === 'keyChanged'`: the identity key the directory now shows */
  offeredIdentityKey?: string;
  /** set while `state === 'keyChanged'`: when the change was first seen */
  keyChangedAt?: number;
  /** card id -> when that trusted card was first seen (absent in records from before it was kept) */
  cardFirstSeen?: Record<string, number>;
  /** trusted, active device cards (raw JSON; parse with `parseDeviceCard`) */
  cards: RawCardJson[];
  updatedAt: number;
}

export type ContactEvent =
  | { kind: 'first-seen'; identity: string; identityKey: string }
  | { kind: 'new-device'; identity: string; cardId: string }
  | { kind: 'device-replaced'; identity: string; cardId: string; previousCardId: string }
  /** a card replaced another without the old key's signature: treat like a new key for that device */
  | { kind: 'device-key-changed'; identity: string; cardId: string; previousCardId: string }
  | { kind: 'identity-key-changed'; identity: string; pinnedKey: string; offeredKey: string }
  | { kind: 'card-revoked'; identity: string; cardId: string }
  | { kind: 'card-rejected'; identity: string; cardId: string; reason: CardRejection | 'wrong-identity' };

export interface ApplyResult {
  /** undefined when the identity was unknown and none of its cards could be trusted */
  contact: Contact | undefined;
  events: ContactEvent[];
}

const KEY_PREFIX = 'contact/';

export class ContactStore {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: AsyncStorage,
    private readonly trust: PinnedTrust,
    private readonly now: () => number = Date.now,
  ) {}

  async get(identity: string): Promise<Contact | undefined> {
    return this.storage.get<Contact>(KEY_PREFIX + identity);
  }

  async list(): Promise<Contact[]> {
    const keys = await this.storage.keys(KEY_PREFIX);
    const contacts = await Promise.all(keys.map((k) => this.storage.get<Contact>(k)));
    return contacts.filter((c): c is Contact => c !== undefined);
  }

  /**
   * Pins our own identity key as verified (we hold its private half), so our other
   * devices go through the same checks as everyone else's.
   */
  pinOwnIdentity(identity: string, identityKey: string): Promise<Contact> {
    return this.serial(identity, async () => {
      const existing = await this.get(identity);
      if (existing && !sameKey(existing.identityKey, identityKey)) fail(ErrorCode.IdentityKeyChanged, 'own identity key differs from the pinned one');
      const t = this.now();
      const contact: Contact = existing ?? { identity, identityKey, state: 'verified', firstSeenAt: t, verifiedAt: t, cards: [], updatedAt: t };
      await this.storage.set(KEY_PREFIX + identity, contact);
      return contact;
    });
  }

  /**
   * Applies the complete set of active cards the directory returned for `identity`.
   * Cards that fail verification or the pin are not trusted; trusted cards missing
   * from the set are reported revoked.
   */
  applyCardSet(identity: string, cards: DeviceCard[]): Promise<ApplyResult> {
    if (!isValidIdentity(identity)) fail(ErrorCode.Malformed, 'identity');
    return this.serial(identity, async () => {
      const events: ContactEvent[] = [];
      const previous = await this.get(identity);
      const checked = this.checkAll(identity, cards, events);
      const contact = previous ?? this.firstSight(identity, checked, events);
      if (!contact) return { contact: undefined, events };
      const pinnedCards = checked.filter((c) => sameKey(c.identityKey, contact.identityKey)).map((c) => c.card);
      const offered = checked.find((c) => !sameKey(c.identityKey, contact.identityKey));
      this.noteIdentityChange(contact, offered?.identityKey, events);
      if (previous) this.diffDevices(identity, previous.cards.map(parseDeviceCard), pinnedCards, events);
      const t = this.now();
      const updated: Contact = {
        ...contact,
        cards: pinnedCards.map((c) => c.raw),
        cardFirstSeen: cardTimes(contact, pinnedCards, previous ? t : contact.firstSeenAt),
        updatedAt: t,
      };
      await this.storage.set(KEY_PREFIX + identity, updated);
      return { contact: updated, events };
    });
  }

  /** Trusted active cards: verified, cross-signed by the pinned identity key. Empty when unknown. */
  async trustedCards(identity: string): Promise<DeviceCard[]> {
    const contact = await this.get(identity);
    return contact ? contact.cards.map(parseDeviceCard) : [];
  }

  /**
   * Marks the contact verified after the user compared safety numbers. `identityKey`
   * is the key the comparison was made over; it must be the pinned one.
   */
  markVerified(identity: string, identityKey: string): Promise<Contact> {
    return this.update(identity, (c) => {
      if (!sameKey(c.identityKey, identityKey)) fail(ErrorCode.UntrustedIdentity, 'verified key is not the pinned key');
      if (c.state === 'keyChanged') fail(ErrorCode.IdentityKeyChanged, 'accept or reject the new identity key first');
      return { ...c, state: 'verified', verifiedAt: this.now() };
    });
  }

  /** Takes back a verification (the user no longer vouches for the key): back to `firstSeen`. */
  markUnverified(identity: string): Promise<Contact> {
    return this.update(identity, (c) => {
      if (c.state !== 'verified') return c;
      const { verifiedAt: _dropped, ...rest } = c;
      return { ...rest, state: 'firstSeen', updatedAt: this.now() };
    });
  }

  /**
   * The user accepts the identity key the directory now shows: it becomes the pin,
   * the state goes back to `firstSeen` (not verified), the next card refresh trusts
   * the new cards. `offeredIdentityKey` guards against accepting a key the user never saw.
   */
  acceptIdentityKey(identity: string, offeredIdentityKey: string): Promise<Contact> {
    return this.update(identity, (c) => {
      if (c.state !== 'keyChanged' || !c.offeredIdentityKey || !sameKey(c.offeredIdentityKey, offeredIdentityKey)) {
        fail(ErrorCode.Conflict, 'no such identity key change pending');
      }
      const { offeredIdentityKey: _dropped, verifiedAt: _unverified, keyChangedAt: _settled, ...rest } = c;
      return { ...rest, identityKey: offeredIdentityKey, state: 'firstSeen', cards: [], cardFirstSeen: {}, updatedAt: this.now() };
    });
  }

  async remove(identity: string): Promise<void> {
    await this.serial(identity, () => this.storage.delete(KEY_PREFIX + identity));
  }

  private checkAll(identity: string, cards: DeviceCard[], events: ContactEvent[]): { card: DeviceCard; identityKey: string }[] {
    const out: { card: DeviceCard; identityKey: string }[] = [];
    const seen = new Set<string>();
    for (const card of cards) {
      if (seen.has(card.id)) continue; // a directory listing a card twice must not double events
      seen.add(card.id);
      if (card.identity !== identity) {
        events.push({ kind: 'card-rejected', identity, cardId: card.id, reason: 'wrong-identity' });
        continue;
      }
      const check = checkDeviceCard(card, this.trust);
      if (check.ok) out.push({ card, identityKey: check.identityKey });
      else events.push({ kind: 'card-rejected', identity, cardId: card.id, reason: check.reason });
    }
    return out;
  }

  /** TOFU: pins the identity key of the cards on first sight. Refuses to guess when they disagree. */
  private firstSight(identity: string, checked: { identityKey: string }[], events: ContactEvent[]): Contact | undefined {
    const first = checked[0];
    if (!first) return undefined;
    if (checked.some((c) => !sameKey(c.identityKey, first.identityKey))) {
      fail(ErrorCode.UntrustedIdentity, `cards of ${identity} are cross-signed by different identity keys; refusing to pin on first use`);
    }
    events.push({ kind: 'first-seen', identity, identityKey: first.identityKey });
    const t = this.now();
    return { identity, identityKey: first.identityKey, state: 'firstSeen', firstSeenAt: t, cards: [], updatedAt: t };
  }

  /** Cards under another identity key never move the pin: they put the contact in `keyChanged`. */
  private noteIdentityChange(contact: Contact, offeredKey: string | undefined, events: ContactEvent[]): void {
    if (offeredKey === undefined) return;
    if (contact.state !== 'keyChanged' || !sameKey(contact.offeredIdentityKey ?? '', offeredKey)) {
      events.push({ kind: 'identity-key-changed', identity: contact.identity, pinnedKey: contact.identityKey, offeredKey });
    }
    if (contact.state !== 'keyChanged') contact.keyChangedAt = this.now();
    contact.state = 'keyChanged';
    contact.offeredIdentityKey = offeredKey;
  }

  private diffDevices(identity: string, before: DeviceCard[], after: DeviceCard[], events: ContactEvent[]): void {
    const beforeById = new Map(before.map((c) => [c.id, c]));
    const afterIds = new Set(after.map((c) => c.id));
    const replaced = new Set<string>();
    for (const card of after) {
      if (beforeById.has(card.id)) continue;
      const prev = card.previousCardId !== undefined ? beforeById.get(card.previousCardId) : undefined;
      if (!prev) {
        events.push({ kind: 'new-device', identity, cardId: card.id });
        continue;
      }
      replaced.add(prev.id);
      const kind = isSignedByPrevious(card, prev) ? 'device-replaced' : 'device-key-changed';
      events.push({ kind, identity, cardId: card.id, previousCardId: prev.id });
    }
    for (const card of before) {
      if (!afterIds.has(card.id) && !replaced.has(card.id)) events.push({ kind: 'card-revoked', identity, cardId: card.id });
    }
  }

  private update(identity: string, change: (c: Contact) => Contact): Promise<Contact> {
    return this.serial(identity, async () => {
      const contact = await this.get(identity);
      if (!contact) fail(ErrorCode.NotFound, `unknown contact ${identity}`);
      const next = change(contact);
      await this.storage.set(KEY_PREFIX + identity, next);
      return next;
    });
  }

  /** Runs `op` after every earlier operation on the same identity has finished. */
  private serial<T>(identity: string, op: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(identity) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => undefined);
    this.queues.set(identity, tail);
    void tail.then(() => {
      if (this.queues.get(identity) === tail) this.queues.delete(identity);
    });
    return next;
  }
}

/**
 * First-seen times of the trusted cards after an update: kept for cards seen before, `now` for new ones. Cards of
 * records from before the times were kept count as seen when the contact was.
 */
function cardTimes(contact: Contact, cards: DeviceCard[], now: number): Record<string, number> {
  const before = contact.cardFirstSeen;
  const known = new Set(contact.cards.map((raw) => parseDeviceCard(raw).id));
  const out: Record<string, number> = {};
  for (const card of cards) {
    out[card.id] = before?.[card.id] ?? (before === undefined && known.has(card.id) ? contact.firstSeenAt : now);
  }
  return out;
}
