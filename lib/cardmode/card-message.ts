/**
 * Card mode (seeds 000/001, webmail default): one `signAndEncrypt` to every trusted
 * active card of every participant, the sender's own devices (so any of them can read
 * the message again later) and, when policy pins one, the org card.
 *
 * Why `signAndEncrypt` and not `signThenEncrypt`: the latter leaves the signer id and a
 * deterministic signature over the plaintext outside the encryption, so a guessed
 * message could be confirmed by anyone holding the ciphertext.
 *
 * Decrypt verifies with `decryptAndVerify` against the pinned cards the caller trusts
 * (the conversation's participants and our own devices). The plaintext starts with a
 * binding header naming the sender's identity and card; we then check that THAT card's
 * key is the one that signed (a second verify with only its key), so the sender is
 * taken from the cryptography, never from the page or the header alone.
 *
 * Errors: NotARecipient (none of our keys in the message), UntrustedIdentity (signed by
 * a key that is not pinned), BadSignature (signature invalid or missing),
 * HeaderMismatch (header names another sender than the signer), Tampered (anything
 * else that fails decryption), Malformed (not a card message at all).
 */
import { VirgilCryptoError, VirgilCryptoErrorStatus, type VirgilPrivateKey, type VirgilPublicKey } from 'virgil-crypto';
import { virgil } from '../crypto/init';
import { ErrorCode, OvercryptError, fail } from '../errors';
import { bytesOf } from '../cards/bytes';
import { importPublicKeyBase64, type DeviceCard } from '../cards';
import { HeaderFlag, randomMessageId, recipientSetHash, type Audience, type MessageHeader } from '../wire/header';
import { decodePlaintext, encodePlaintext } from './plaintext';
import { checkCardMessageShape } from './der-shape';

/** Largest card-mode ciphertext we accept (matches the wire envelope's body limit). */
export const MAX_CARD_MESSAGE_BYTES = 1024 * 1024;
/** Upper bound on recipient keys per message (≈ 254 B each: 4,000 keys ≈ 1 MB). */
export const MAX_CARD_RECIPIENTS = 4000;

export interface CardModeSender {
  identity: string;
  /** this device's card */
  card: DeviceCard;
  /** this device's private key */
  privateKey: VirgilPrivateKey;
}

export interface EncryptCardMessageInput {
  sender: CardModeSender;
  /** trusted active cards of all participants and of the sender's own devices (this one included or not) */
  recipients: DeviceCard[];
  /** org public key (base64 DER) when managed policy pins one; never from the directory */
  orgPublicKey?: string;
  header: MessageHeader;
  body: Uint8Array;
}

export interface NewHeaderInput {
  conversation: { namespace: string; conversation: string };
  sender: { identity: string; cardId: string };
  /** the card ids the message is encrypted to (non-empty), or a group and its epoch */
  scope: { recipientCardIds: string[] } | { groupId: string; epoch: number };
  counter: number;
  now: number;
  archived: boolean;
}

/** A binding header (lib/wire/header.ts) with a fresh random message id. */
export function newHeader(input: NewHeaderInput): MessageHeader {
  const audience: Audience = 'recipientCardIds' in input.scope
    ? { type: 'recipients', hash: recipientSetHash(input.scope.recipientCardIds) }
    : { type: 'group', groupId: input.scope.groupId, epoch: input.scope.epoch };
  return {
    conversation: { ...input.conversation },
    senderIdentity: input.sender.identity,
    senderCardId: input.sender.cardId,
    audience,
    flags: input.archived ? HeaderFlag.ArchivedToOrg : 0,
    messageId: randomMessageId(),
    counter: input.counter,
    sentAt: input.now,
  };
}

/** Signs with the sender's device key and encrypts to every recipient card (+ org key). */
export function encryptCardMessage(input: EncryptCardMessageInput): Uint8Array {
  const { sender, header } = input;
  if (header.senderIdentity !== sender.identity || header.senderCardId !== sender.card.id) {
    fail(ErrorCode.HeaderMismatch, 'header sender is not this device');
  }
  const plaintext = encodePlaintext(header, input.body);
  const keyTexts = new Set(input.recipients.map((c) => c.publicKey));
  keyTexts.add(sender.card.publicKey);
  if (input.orgPublicKey !== undefined) keyTexts.add(input.orgPublicKey);
  if (keyTexts.size > MAX_CARD_RECIPIENTS) fail(ErrorCode.TooLarge, 'too many recipients');
  const keys = [...keyTexts].map(importPublicKeyBase64);
  try {
    return bytesOf(virgil().signAndEncrypt(plaintext, sender.privateKey, keys));
  } finally {
    keys.forEach((k) => k.dispose());
  }
}

export interface DecryptCardMessageInput {
  ciphertext: Uint8Array;
  /** this device's private key */
  privateKey: VirgilPrivateKey;
  /** cards allowed to have sent it: the pinned, trusted cards of the participants and our own devices */
  trustedSenders: DeviceCard[];
}

export interface DecryptedCardMessage {
  /** compare with the page: lib/wire/header.ts `compareHeaderToPage` */
  header: MessageHeader;
  body: Uint8Array;
  /** the card whose key signed (its identity and id equal the header's sender) */
  senderCard: DeviceCard;
}

export function decryptCardMessage(input: DecryptCardMessageInput): DecryptedCardMessage {
  const { ciphertext, privateKey } = input;
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length > MAX_CARD_MESSAGE_BYTES) fail(ErrorCode.TooLarge, 'card message too large');
  checkCardMessageShape(ciphertext);
  if (!containsBytes(ciphertext, bytesOf(privateKey.identifier))) fail(ErrorCode.NotARecipient, 'this device is not a recipient');
  if (input.trustedSenders.length === 0) fail(ErrorCode.UntrustedIdentity, 'no trusted sender cards');
  const plaintext = decryptVerified(ciphertext, privateKey, input.trustedSenders);
  const { header, body } = decodeSigned(plaintext);
  const senderCard = input.trustedSenders.find((c) => c.id === header.senderCardId && c.identity === header.senderIdentity);
  if (!senderCard) fail(ErrorCode.HeaderMismatch, 'header names a sender card that is not trusted for this conversation');
  // The first verify proved *some* trusted card signed; prove it was the one the header names.
  if (input.trustedSenders.length > 1) decryptVerified(ciphertext, privateKey, [senderCard], ErrorCode.HeaderMismatch);
  return { header, body, senderCard };
}

function decryptVerified(ciphertext: Uint8Array, privateKey: VirgilPrivateKey, cards: DeviceCard[], signerMismatch: ErrorCode = ErrorCode.UntrustedIdentity): Uint8Array {
  const keys: VirgilPublicKey[] = [];
  try {
    for (const c of cards) keys.push(importPublicKeyBase64(c.publicKey));
    return bytesOf(virgil().decryptAndVerify(ciphertext, privateKey, keys));
  } catch (e) {
    throw classify(e, signerMismatch);
  } finally {
    keys.forEach((k) => k.dispose());
  }
}

function decodeSigned(plaintext: Uint8Array): { header: MessageHeader; body: Uint8Array } {
  try {
    return decodePlaintext(plaintext);
  } catch (e) {
    // Signed by a trusted card but not our format: treat as a broken (not forged) message.
    if (e instanceof OvercryptError) throw new OvercryptError(e.code === ErrorCode.UnsupportedVersion ? e.code : ErrorCode.Malformed, e.message);
    throw e;
  }
}

/** virgil-crypto reports signature problems with a status enum; decryption problems only as FoundationError text. */
function classify(e: unknown, signerMismatch: ErrorCode): OvercryptError {
  if (e instanceof OvercryptError) return e;
  if (e instanceof VirgilCryptoError) {
    if (e.status === VirgilCryptoErrorStatus.SIGNER_NOT_FOUND) return new OvercryptError(signerMismatch, 'signed by a key that is not trusted here');
    return new OvercryptError(ErrorCode.BadSignature, 'signature missing or invalid');
  }
  return new OvercryptError(ErrorCode.Tampered, 'card message failed to decrypt');
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

