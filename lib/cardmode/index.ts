/** Card mode: one signAndEncrypt to every trusted card; decryptAndVerify against pinned cards. */
export {
  encryptCardMessage, decryptCardMessage, newHeader, MAX_CARD_MESSAGE_BYTES, MAX_CARD_RECIPIENTS,
  type CardModeSender, type EncryptCardMessageInput, type DecryptCardMessageInput, type DecryptedCardMessage, type NewHeaderInput,
} from './card-message';
export { encodePlaintext, decodePlaintext } from './plaintext';
export { resolveRecipients, trustedSenderCards, type ResolvedRecipients } from './recipients';
export { checkCardMessageShape } from './der-shape';
