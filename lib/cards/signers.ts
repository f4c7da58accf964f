/**
 * Names of the signatures a device card carries (virgil-sdk `signer` field) and
 * the extra-snapshot fields that go with them.
 *
 * - `self`:     made by the device key itself (virgil-sdk default).
 * - `identity`: made by the user's identity key; its extra snapshot carries the
 *               identity public key so verifiers can find it and pin it (TOFU).
 *               This is the cross-signature that stops the directory from adding
 *               a device to someone silently (Matrix cross-signing is the model).
 * - `previous`: made by the key of the card this one replaces (`previous_card_id`);
 *               without it a replacement is reported as a key change.
 * - `app`:      added by the directory; verified against the PINNED app key from
 *               configuration or managed policy, never a key the directory names.
 */
export const Signer = {
  Self: 'self',
  App: 'app',
  Identity: 'identity',
  Previous: 'previous',
} as const;

/** Field of the `identity` signature's extra snapshot holding the identity public key (base64 DER). */
export const IDENTITY_KEY_FIELD = 'identityKey';

/** Field of the `previous` signature's extra snapshot naming the card being replaced. */
export const PREVIOUS_CARD_FIELD = 'previousCardId';
