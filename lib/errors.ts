/**
 * The one error type Overcrypt code throws across module boundaries.
 * Callers branch on `code`, never on `message` (the message is for people).
 */
export const ErrorCode = {
  // Input and format
  Malformed: 'Malformed',
  UnsupportedVersion: 'UnsupportedVersion',
  TooLarge: 'TooLarge',
  // Integrity and authenticity
  Tampered: 'Tampered',
  BadSignature: 'BadSignature',
  UntrustedIdentity: 'UntrustedIdentity',
  IdentityKeyChanged: 'IdentityKeyChanged',
  HeaderMismatch: 'HeaderMismatch',
  // Sessions and messages
  DuplicateMessage: 'DuplicateMessage',
  NoSessionForDevice: 'NoSessionForDevice',
  NotARecipient: 'NotARecipient',
  TooBigMessageGap: 'TooBigMessageGap',
  MissingMessageKey: 'MissingMessageKey',
  UnknownSenderKey: 'UnknownSenderKey',
  StaleEpoch: 'StaleEpoch',
  AwaitingMembershipRecord: 'AwaitingMembershipRecord',
  NotGroupOwner: 'NotGroupOwner',
  /** a membership record that does not extend the chain we hold (same epoch, other content / wrong previous hash) */
  GroupFork: 'GroupFork',
  RateLimited: 'RateLimited',
  // Keys and backup
  WrongPassword: 'WrongPassword',
  WeakKdfParams: 'WeakKdfParams',
  BackupRollback: 'BackupRollback',
  // Service state
  Locked: 'Locked',
  NotRegistered: 'NotRegistered',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  Network: 'Network',
  /** Secure compose: the send was blocked (text appeared in the site's box, the frame was removed or covered). */
  ComposeBlocked: 'ComposeBlocked',
  // Directory server (HTTP 401 / 412 / 428 / 507)
  Unauthenticated: 'Unauthenticated',
  TokenExpired: 'TokenExpired',
  PreconditionFailed: 'PreconditionFailed',
  PreconditionRequired: 'PreconditionRequired',
  StorageFull: 'StorageFull',
  StalePrekey: 'StalePrekey',
  Internal: 'Internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class OvercryptError extends Error {
  override readonly name = 'OvercryptError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  /** The shape errors take when they cross a process or context boundary. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Type guard: `isError(e, ErrorCode.Tampered)`. */
export function isError(e: unknown, code?: ErrorCode): e is OvercryptError {
  return e instanceof OvercryptError && (code === undefined || e.code === code);
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new OvercryptError(code, message, details);
}
