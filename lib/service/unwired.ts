/**
 * Engines that are not wired yet: every call answers Internal "not available". The background uses these until
 * the integrator plugs in the real ones (lib/x3dh, lib/ratchet, lib/senderkeys, lib/cards, lib/backup...), so the
 * worker, the API and the UI can be built and tested end to end on everything but crypto.
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { Engines } from './engines';

const notYet = (what: string) => async (): Promise<never> => {
  throw new OvercryptError(ErrorCode.Internal, `${what} is not available in this build yet`);
};

export function unwiredEngines(): Engines {
  return {
    account: {
      register: notYet('registration'),
      restore: notYet('restore'),
      logout: async () => undefined,
      devices: notYet('devices'),
      revokeDevice: notYet('device revocation'),
      backupStatus: async () => ({ exists: false, orgBackup: false }),
      backupCreate: notYet('backup'),
      backupChangePassword: notYet('backup'),
    },
    messages: { recipients: async () => [], encrypt: notYet('encryption'), decrypt: notYet('decryption') },
    contacts: { list: async () => [], setVerified: notYet('verification'), safetyNumber: notYet('safety numbers') },
    keys: {
      prekeyStatus: notYet('prekeys'),
      topUpPrekeys: notYet('prekeys'),
      rotateSignedPrekey: notYet('prekeys'),
      fetchMailbox: async () => ({ processed: 0 }),
      refreshCards: async () => [],
    },
  };
}
