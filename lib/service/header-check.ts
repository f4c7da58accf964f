/**
 * Does the signed header agree with where the page shows the message? Run on every render, cached or not.
 * Mismatch when the header names another conversation, another author than the page claims, or a message id
 * already seen with different ciphertext in this tab (a replayed or forged copy).
 */
import type { DisplayBadge, MessageHeader, TrustState } from '../api/views';

export interface PagePlacement {
  conversationId?: string;
  /** Page handle of the author, if the page shows one. */
  pageAuthor?: string;
  /** Identity namespace of the page (handle@namespace = identity). */
  namespace?: string;
}

export function checkPlacement(
  header: MessageHeader,
  placement: PagePlacement,
  trust: TrustState,
  seenWithOtherCiphertext: boolean,
): DisplayBadge {
  if (placement.conversationId !== undefined && header.conversationId !== placement.conversationId) {
    return { kind: 'mismatch', reason: 'conversation' };
  }
  if (placement.pageAuthor !== undefined && !sameAuthor(header.senderIdentity, placement.pageAuthor, placement.namespace)) {
    return { kind: 'mismatch', reason: 'author' };
  }
  if (seenWithOtherCiphertext) return { kind: 'mismatch', reason: 'repeatedMessageId' };
  return { kind: trust };
}

function sameAuthor(identity: string, pageAuthor: string, namespace: string | undefined): boolean {
  const id = identity.toLowerCase();
  const author = pageAuthor.trim().toLowerCase();
  if (id === author) return true;
  return namespace !== undefined && id === `${author}@${namespace.toLowerCase()}`;
}
