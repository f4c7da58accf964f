import type { DisplayBadge } from '../../lib/api';
import { neutraliseLabel } from './text';

/** Words for the error codes the worker gives as a could-not-decrypt reason (others are shown as they are). */
const REASONS: Record<string, string> = {
  Tampered: 'tampered',
  BadSignature: 'bad signature',
  Malformed: 'damaged',
  UnsupportedVersion: 'made by a newer Overcrypt',
  TooLarge: 'too large',
  HeaderMismatch: 'header does not match',
  DuplicateMessage: 'repeated message',
  MissingMessageKey: 'key no longer available',
  TooBigMessageGap: 'too many missed messages',
  UnknownSenderKey: 'sender key not received yet',
  NoSessionForDevice: 'no session with the sender',
  UntrustedIdentity: 'sender not trusted',
  NotRegistered: 'Overcrypt is not set up',
  Network: 'directory unreachable',
  /** The background worker did not answer (region-loader.ts NO_ANSWER). */
  NoAnswer: 'Overcrypt did not answer',
  Internal: 'internal error',
  /** display/fetch after the region's job was released or claimed elsewhere (region-loader.ts). */
  NotFound: 'no longer available',
  Forbidden: 'not allowed in this frame',
};

export function reasonText(reason: string): string {
  return REASONS[reason] ?? reason;
}

export type BadgeTone = 'good' | 'neutral' | 'warn' | 'bad';

/**
 * Label and tone of a badge. Labels are short (the badge sits right after the sender in a one-line chat row); the
 * full explanation is the title. Reason strings come from the worker; they are still shown as text, neutralised.
 */
export function badgeLabel(badge: DisplayBadge): { label: string; tone: BadgeTone; title: string } {
  switch (badge.kind) {
    case 'verified':
      return { label: '✔ verified', tone: 'good', title: 'You verified this sender’s key.' };
    case 'firstSeen':
      return { label: 'first seen', tone: 'neutral', title: 'Key not verified yet: compare safety numbers in Overcrypt.' };
    case 'keyChanged':
      return { label: '⚠ key changed', tone: 'warn', title: 'This sender’s key changed since you last talked.' };
    case 'mismatch': {
      const why =
        badge.reason === 'conversation'
          ? 'sent in another conversation'
          : badge.reason === 'author'
            ? 'the page shows another author'
            : 'repeated message';
      return { label: '✖ mismatch', tone: 'bad', title: `Mismatch: ${why}. The page shows this message somewhere it was not sent to.` };
    }
    case 'couldNotDecrypt':
      return { label: `could not decrypt: ${neutraliseLabel(reasonText(badge.reason), 60)}`, tone: 'bad', title: 'The message cannot be read.' };
    case 'locked':
      return { label: '🔒 locked', tone: 'neutral', title: 'Unlock Overcrypt to read this message.' };
    case 'notForThisDevice':
      return { label: 'not for this device', tone: 'neutral', title: 'The sender did not encrypt this message to this browser.' };
    case 'clickToDecrypt':
      return { label: 'encrypted', tone: 'neutral', title: 'Overcrypt is not enabled on this site: decrypt on request.' };
    default:
      return { label: 'unknown state', tone: 'bad', title: '' };
  }
}

/** `data-reason` carries the machine reason of a mismatch or a could-not-decrypt (tests and the bench read it). */
export function Badge({ badge }: { badge: DisplayBadge }) {
  const { label, tone, title } = badgeLabel(badge);
  const reason = badge.kind === 'mismatch' || badge.kind === 'couldNotDecrypt' ? neutraliseLabel(badge.reason, 60) : undefined;
  return (
    <span class={`oc-badge oc-${tone}`} data-badge={badge.kind} data-reason={reason} title={title}>
      {label}
    </span>
  );
}
