/**
 * X3DH for Overcrypt: device identities (card key as identity DH key), signed/one-time prekeys,
 * their upkeep, and the key agreement. The Double Ratchet (lib/ratchet) builds sessions on top.
 *
 * Alice/Bob in brief:
 * ```ts
 * await ensureCrypto();
 * const body = await maintainPrekeys(bobPrekeys, bob, await status(), Date.now()); // Bob publishes
 * const bundle = verifyPrekeyBundle(claimedForBob, bobCardKey);                  // Alice verifies
 * const init = x3dhInitiate(alice, bundle);                                      // Alice derives SK
 * const resp = x3dhRespond(bob, aliceDevice, init.baseKey.publicKey, spk, opk);  // Bob derives SK
 * ```
 */
export {
  type DeviceIdentity,
  type RemoteDevice,
  deviceIdentityFromVirgil,
  rawPublicKeyFromVirgil,
  virgilSign,
  virgilVerify,
} from './identity';
export {
  type PrekeyRole,
  type StoredPrekey,
  type PublicPrekey,
  type VerifiedBundle,
  type PrekeyStore,
  MemoryPrekeyStore,
  generateSignedPrekey,
  generateOneTimePrekeys,
  verifyPrekey,
  verifyPrekeyBundle,
} from './prekeys';
export {
  type PrekeyPolicy,
  type PrekeyPlan,
  DEFAULT_PREKEY_POLICY,
  currentSignedPrekey,
  planPrekeyMaintenance,
  maintainPrekeys,
} from './maintenance';
export { type X3dhInitiation, type X3dhResponse, X3DH_INFO, x3dhAssociatedData, x3dhInitiate, x3dhRespond } from './agreement';
