/** Contact and device shapes for the popup and frames (lib/api/views.ts). */
import { HashAlgorithm } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { bytesOf, toHex } from '../cards/bytes';
import { parseDeviceCard, rawPublicKey } from '../cards';
import type { ContactView, DeviceView } from '../api/views';
import type { Contact } from './contact-store';

/** Short device-key fingerprint for display: first 8 bytes of SHA-256(raw key), hex in groups of 4. */
export function deviceFingerprint(publicKeyBase64: string): string {
  const digest = bytesOf(virgil().calculateHash(rawPublicKey(publicKeyBase64), HashAlgorithm.SHA256));
  return (toHex(digest.subarray(0, 8)).match(/.{4}/g) ?? []).join(' ');
}

/**
 * A device is new when it appeared after the user last looked at this contact closely: after its verification, or
 * (never verified) after the contact was first seen.
 */
export function toContactView(contact: Contact, thisDeviceCardId?: string): ContactView {
  const settledAt = contact.verifiedAt ?? contact.firstSeenAt;
  const devices: DeviceView[] = contact.cards.map(parseDeviceCard).map((card) => {
    const firstSeenAt = contact.cardFirstSeen?.[card.id] ?? contact.firstSeenAt;
    return {
      cardId: card.id,
      identity: card.identity,
      fingerprint: deviceFingerprint(card.publicKey),
      createdAt: card.createdAt,
      state: contact.state,
      firstSeenAt,
      isNew: firstSeenAt > settledAt,
      ...(card.id === thisDeviceCardId ? { thisDevice: true } : {}),
    };
  });
  return {
    identity: contact.identity,
    state: contact.state,
    devices,
    firstSeenAt: contact.firstSeenAt,
    ...(contact.verifiedAt !== undefined ? { verifiedAt: contact.verifiedAt } : {}),
    ...(contact.state === 'keyChanged' && contact.keyChangedAt !== undefined ? { keyChangedAt: contact.keyChangedAt } : {}),
  };
}
