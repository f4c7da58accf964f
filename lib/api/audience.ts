import type { RecipientView } from './views';

/**
 * Who a message in a conversation reaches, counted the same way by every view (the compose frame, the chip next
 * to the site's box, the toolbar badge): the devices it is encrypted to — approved ones, this browser included —
 * and the people those devices belong to, the user among them. Devices still waiting for approval are not counted
 * (they get nothing until approved; a warning says so). People without a key are listed apart: they cannot read.
 */
export function audienceCounts(recipients: readonly RecipientView[]): { people: number; devices: number; noCard: string[] } {
  let people = 0;
  let devices = 0;
  for (const r of recipients) {
    const reached = r.state === 'noCard' ? 0 : r.devices.filter((d) => d.approved !== false).length;
    if (reached > 0) people++;
    devices += reached;
  }
  return { people, devices, noCard: recipients.filter((r) => r.state === 'noCard').map((r) => r.handle) };
}
