import type { RecipientView } from '../../lib/api/views';
import { audienceCounts } from '../../lib/api/audience';
import { neutraliseLabel } from './text';

/** Devices new to this conversation: they need the user's click before they receive anything. */
export function unapprovedDevices(recipients: readonly RecipientView[]): string[] {
  return recipients.flatMap((r) => r.devices.filter((d) => d.approved === false).map((d) => d.cardId));
}

const STATE_LABEL: Record<RecipientView['state'], string> = {
  verified: '✔ verified',
  firstSeen: 'not verified',
  keyChanged: '⚠ key changed',
  noCard: 'no Overcrypt key: cannot read',
};

/** Who will be able to read the message, person by person and device by device. */
export function Recipients({ recipients, onApprove, approving }: { recipients: readonly RecipientView[]; onApprove?: () => void; approving?: boolean }) {
  const counts = audienceCounts(recipients);
  const pending = unapprovedDevices(recipients);
  return (
    <>
    <details class="oc-recipients" data-people={counts.people} data-devices={counts.devices}>
      <summary>
        Readable by {counts.people} {counts.people === 1 ? 'person' : 'people'} · {counts.devices} {counts.devices === 1 ? 'device' : 'devices'}
        {counts.noCard.length > 0 ? <span class="oc-warn-inline"> · {counts.noCard.length} without a key</span> : null}
      </summary>
      <ul>
        {recipients.map((r) => (
          <li key={r.identity || r.handle} data-identity={r.identity} data-state={r.state}>
            <span class="oc-recipient-name">{neutraliseLabel(r.handle, 40)}</span>{' '}
            <span class="oc-recipient-state">{STATE_LABEL[r.state]}</span>
            {r.devices.length > 0 ? (
              <ul>
                {r.devices.map((d) => (
                  <li key={d.cardId} data-card={d.cardId} data-approved={d.approved === false ? 'no' : 'yes'}>
                    {d.thisDevice ? 'this browser' : 'device'} {neutraliseLabel(d.fingerprint, 24)}
                    {d.approved === false ? <span class="oc-new"> new</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
    {/* Outside the collapsible list, so the approval is always in sight. */}
    {pending.length > 0 && onApprove ? (
      <button type="button" class="oc-approve" disabled={approving} onClick={onApprove}>
        Approve {pending.length} new {pending.length === 1 ? 'device' : 'devices'}
      </button>
    ) : null}
    </>
  );
}
