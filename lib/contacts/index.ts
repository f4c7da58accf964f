/** Contacts: TOFU-pinned identity keys, trusted device cards, events, safety numbers. */
export { type AsyncStorage, MemoryStorage } from './storage';
export { ContactStore, type Contact, type ContactEvent, type TrustState, type ApplyResult } from './contact-store';
export {
  computeSafetyNumber, matchesScannedCode, fingerprint, fingerprintDigits, SAFETY_NUMBER_ITERATIONS, SAFETY_NUMBER_VERSION,
  type SafetyParty, type SafetyNumber,
} from './safety-number';
export { toContactView, deviceFingerprint } from './views';
