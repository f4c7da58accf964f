/** Identities, device keys and device cards. See each module for the why. */
export { Signer, IDENTITY_KEY_FIELD, PREVIOUS_CARD_FIELD } from './signers';
export {
  generateIdentityKey, generateDeviceKey, exportPublicKeyBase64, importPublicKeyBase64, publicKeyDerFromBase64, rawPublicKey,
  exportPrivateKeyBytes, importPrivateKeyBytes, type KeyPair,
} from './keys';
export {
  parseDeviceCard, buildDeviceCard, cardIdOf, isCardId, isValidIdentity, verifyCardSignature,
  type DeviceCard, type RawCardJson, type CardSignature, type NewDeviceCardParams,
} from './device-card';
export { checkDeviceCard, verifyDeviceCard, isSignedByPrevious, sameKey, DeviceCardVerifier, type PinnedTrust, type CardCheck, type CardRejection } from './verifier';
export { FetchConnection, useFetchConnection, type FetchLike, type CardConnection } from './fetch-connection';
export { CardDirectory, type CardDirectoryOptions, type CardSearchResult, type RejectedCard } from './card-directory';
