/**
 * The privilege table: for every request type, which sender kinds may call it, whether it works while locked,
 * and whether it counts as user activity for auto-lock. Requests driven by page content (content scripts,
 * display frames) never count as activity: a page that keeps injecting armor must not keep the vault open.
 */
import type { RequestType } from '../api/messages';
import type { SenderKind } from '../api/views';

export interface Privilege {
  who: readonly SenderKind[];
  /** Allowed while the vault is locked. */
  whileLocked?: boolean;
  /** Allowed before registration. */
  beforeRegistration?: boolean;
  /** Counts as user activity (only from popup, extension tabs and the compose frame). */
  activity?: boolean;
}

const UI: SenderKind[] = ['popup', 'extensionTab'];
const ALL: SenderKind[] = ['popup', 'extensionTab', 'composeFrame', 'displayFrame', 'contentScript'];
const CS: SenderKind[] = ['contentScript'];

export const PRIVILEGES: { readonly [K in RequestType]: Privilege } = {
  'status/get': { who: ALL, whileLocked: true, beforeRegistration: true, activity: true },
  'vault/unlock': { who: UI, whileLocked: true, activity: true },
  'vault/lock': { who: UI, whileLocked: true, beforeRegistration: true },
  'vault/changePassphrase': { who: UI, activity: true },
  'account/register': { who: UI, whileLocked: true, beforeRegistration: true, activity: true },
  'account/restore': { who: UI, whileLocked: true, beforeRegistration: true, activity: true },
  'account/logout': { who: UI, whileLocked: true, beforeRegistration: true, activity: true },

  'directory/check': { who: UI, whileLocked: true, beforeRegistration: true, activity: true },
  'page/context': { who: CS, whileLocked: true, beforeRegistration: true },
  'page/status': { who: [...CS, ...UI], whileLocked: true, beforeRegistration: true },
  'tab/status': { who: UI, whileLocked: true, beforeRegistration: true },
  'page/setEncryption': { who: [...CS, 'composeFrame', ...UI], activity: true },
  // Registers ciphertext + page context only (no crypto): works locked, so the frame can show "locked (unlock)".
  'armor/found': { who: CS, whileLocked: true },
  'compose/open': { who: CS },
  'compose/output': { who: CS },
  'compose/block': { who: CS, whileLocked: true },
  'job/release': { who: CS, whileLocked: true },

  // Locked: the frame claims its region and shows "locked (unlock)"; it fetches after the unlock push.
  'display/open': { who: ['displayFrame'], whileLocked: true },
  'display/await': { who: ['displayFrame'], whileLocked: true },
  'display/toSpare': { who: CS, whileLocked: true },
  'display/fetch': { who: ['displayFrame'] },
  'compose/claim': { who: ['composeFrame'] },
  'compose/approve': { who: ['composeFrame'], activity: true },
  'compose/submit': { who: ['composeFrame'], activity: true },

  'contacts/list': { who: UI, activity: true },
  'contacts/verify': { who: UI, activity: true },
  'contacts/safetyNumber': { who: UI, activity: true },
  'devices/list': { who: UI, activity: true },
  'devices/revoke': { who: UI, activity: true },
  'prekeys/status': { who: UI, activity: true },
  'prekeys/rotate': { who: UI, activity: true },
  'backup/status': { who: UI, activity: true },
  'backup/create': { who: UI, activity: true },
  'backup/changePassword': { who: UI, activity: true },
  'sites/list': { who: UI, activity: true },
  'sites/toggle': { who: UI, activity: true },
  'settings/get': { who: UI, activity: true },
  'settings/set': { who: UI, activity: true },
};

const ACTIVITY_KINDS: readonly SenderKind[] = ['popup', 'extensionTab', 'composeFrame'];

export function countsAsActivity(type: RequestType, kind: SenderKind): boolean {
  return PRIVILEGES[type].activity === true && ACTIVITY_KINDS.includes(kind);
}
