/** Enterprise policy and settings: effective config = managed policy over user settings over defaults. */
export { parseManagedPolicy, POLICY_KEYS, type ManagedPolicy, type PolicyKey, type PolicyProblem } from './schema';
export {
  effectiveConfig,
  applyUserPatch,
  isEncryptionOn,
  conversationKey,
  siteOf,
  lockedReasons,
  DEFAULTS,
  type Defaults,
  type Effective,
  type EffectiveConfig,
} from './effective';
