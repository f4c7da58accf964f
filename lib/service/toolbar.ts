/**
 * The toolbar button's per-tab status: what the tab's conversation is encrypted to, at a glance. The badge text is
 * the number of people a message would reach; its colour says on (green), warnings (amber) or off (grey); the
 * tooltip spells it out. Nothing on it is secret: it is the status the compose chip shows in the page.
 */
import type { PageStatus, PageWarning } from '../api/views';

export interface ToolbarBadge {
  /** At most 4 characters (the browser truncates beyond). Empty: no badge. */
  text: string;
  /** CSS colour of the badge background. */
  color: string;
  title: string;
}

export const BADGE_COLORS = { on: '#1b7f3b', warn: '#b26a00', off: '#6b6b6b' } as const;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function warningText(w: PageWarning): string {
  if (w.kind === 'noCard') return `${w.handle} has no Overcrypt key and cannot read`;
  if (w.kind === 'keyChanged') return `${w.identity}: key changed, compare the safety number`;
  return `${w.identity}: new device, approve it before sending`;
}

/**
 * Badge for a tab whose content script reported `status` for `conversation` (its title, e.g. "#overcrypt").
 * `null` status: no Overcrypt page in this tab.
 */
export function toolbarBadge(status: PageStatus | null, conversation?: string): ToolbarBadge {
  const none = (title: string): ToolbarBadge => ({ text: '', color: BADGE_COLORS.off, title });
  if (!status) return none('Overcrypt');
  if (!status.registered) return none('Overcrypt: not set up');
  if (status.locked) return none('Overcrypt is locked: click to unlock');
  if (!status.siteEnabled) return none('Overcrypt is off on this site');
  const where = conversation ? ` in ${conversation}` : '';
  if (!status.encryptionOn) return { text: 'off', color: BADGE_COLORS.off, title: `Overcrypt: not encrypted${where}` };
  const r = status.recipients;
  const to = r ? ` to ${plural(r.people, 'person', 'people')} (${plural(r.devices, 'device', 'devices')})` : '';
  const lines = [`Overcrypt: encrypted${where}${to}`, ...status.warnings.map(warningText)];
  const text = status.warnings.length > 0 ? '!' : r ? String(Math.min(r.people, 999)) : 'on';
  return { text, color: status.warnings.length > 0 ? BADGE_COLORS.warn : BADGE_COLORS.on, title: lines.join('\n') };
}
