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

export function toContactView(contact: Contact, thisDeviceCardId?: string): ContactView {
  const devices: DeviceView[] = contact.cards.map(parseDeviceCard).map((card) => ({
    cardId: card.id,
    identity: card.identity,
    fingerprint: deviceFingerprint(card.publicKey),
    createdAt: card.createdAt,
    state: contact.state,
    ...(card.id === thisDeviceCardId ? { thisDevice: true } : {}),
  }));
  return {
    identity: contact.identity,
    state: contact.state,
    devices,
    firstSeenAt: contact.firstSeenAt,
    ...(contact.verifiedAt !== undefined ? { verifiedAt: contact.verifiedAt } : {}),
  };
}
