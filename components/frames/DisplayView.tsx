import type { DisplayBadge, MessageHeader } from '../../lib/api';
import { Badge } from './Badge';
import { SecurityPattern } from './SecurityPattern';
import { neutralise, neutraliseLabel } from './text';

export type DisplayState =
  | { phase: 'loading' }
  | { phase: 'shown'; plaintext: string; header: MessageHeader; senderName: string; badge: DisplayBadge }
  | { phase: 'failed'; badge: DisplayBadge }
  /** The handle was refused (used, expired, or this frame is not where the worker expects it): nothing shown. */
  | { phase: 'refused' };

export interface DisplayViewProps {
  state: DisplayState;
  securityPattern?: string;
  visible: boolean;
  onUnlock?: () => void;
  /** Site not enabled: the user clicks in this frame to decrypt (a page cannot click inside our frame). */
  onReveal?: () => void;
}

/**
 * One decrypted message. Layout, top to bottom: the security pattern strip; the header row (the cryptographic
 * sender — written only by this frame — and the badge); the message body, a separate box in which the plaintext is
 * a text node. Nothing the message contains can reach the header row.
 */
export function DisplayView({ state, securityPattern, visible, onUnlock, onReveal }: DisplayViewProps) {
  if (state.phase === 'refused') {
    return <div class="oc-display oc-refused" data-state="refused">Overcrypt: this frame has nothing to show.</div>;
  }
  const badge = state.phase === 'loading' ? undefined : state.badge;
  const alert = badge?.kind === 'mismatch' || (state.phase === 'failed' && badge?.kind !== 'clickToDecrypt' && badge?.kind !== 'locked');
  const tone = alert ? 'oc-alert' : '';
  return (
    <div class={`oc-display ${tone}`} data-state={state.phase}>
      <SecurityPattern phrase={securityPattern} visible={visible} />
      <div class="oc-header">
        {state.phase === 'shown' ? (
          <span class="oc-author" data-identity={state.header.senderIdentity} title={neutraliseLabel(state.header.senderIdentity, 200)}>
            {neutraliseLabel(state.senderName, 60)}
          </span>
        ) : (
          <span class="oc-author oc-author-unknown">Overcrypt</span>
        )}
        {badge ? <Badge badge={badge} /> : <span class="oc-badge oc-neutral">decrypting…</span>}
        {badge?.kind === 'locked' && onUnlock ? (
          <button type="button" class="oc-unlock" onClick={onUnlock}>
            Unlock
          </button>
        ) : null}
        {badge?.kind === 'clickToDecrypt' && onReveal ? (
          <button type="button" class="oc-reveal" disabled={!visible} onClick={onReveal}>
            Decrypt
          </button>
        ) : null}
      </div>
      {state.phase === 'shown' ? <div class="oc-body">{neutralise(state.plaintext)}</div> : null}
    </div>
  );
}
