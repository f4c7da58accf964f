import { Component } from 'preact';
import type { MutableRef } from 'preact/hooks';
import type { DisplayBadge } from '../../lib/api';
import { Badge, badgeLabel } from './Badge';
import { PatternChip } from './PatternChip';
import type { Gate, ItemView } from './region-loader';
import { neutralise, neutraliseLabel } from './text';
import { messageTime } from './time';

export interface RegionViewProps {
  /** 'opening' until the worker answered display/open; 'refused' when it refused the handle. */
  phase: 'opening' | 'refused' | 'open';
  gate: Gate;
  items: readonly ItemView[];
  heightsPx: readonly number[];
  securityPattern?: string;
  /** Per item: fully in view and not covered (useItemVisibility). */
  fully: readonly boolean[];
  container: MutableRef<HTMLDivElement | null>;
  onUnlock?: () => void;
  /** Site not enabled: the user clicks in this frame to decrypt (a page cannot click inside our frame). */
  onReveal?: () => void;
}

/**
 * A display region: one `article.oc-msg` per message, each exactly as tall as the content script reserved for it
 * (from the ciphertext), scrolling inside when the text needs more room. DOM contract: /work/briefs/regions.md.
 */
export function RegionView(props: RegionViewProps) {
  const { phase, gate, items, heightsPx, container } = props;
  if (phase === 'refused') {
    return (
      <div class="oc-region" data-gate="refused" ref={container}>
        <div class="oc-refused">Overcrypt: this frame has nothing to show.</div>
      </div>
    );
  }
  return (
    <div class="oc-region" data-gate={phase === 'open' ? gate : undefined} ref={container}>
      {items.map((view, i) => (
        <RegionItem
          index={i}
          view={view}
          heightPx={heightsPx[i] ?? 0}
          pattern={props.securityPattern}
          fully={props.fully[i] === true}
          first={i === 0}
          gate={gate}
          onUnlock={props.onUnlock}
          onReveal={props.onReveal}
        />
      ))}
    </div>
  );
}

interface RegionItemProps {
  index: number;
  view: ItemView;
  heightPx: number;
  pattern?: string;
  fully: boolean;
  first: boolean;
  gate: Gate;
  onUnlock?: () => void;
  onReveal?: () => void;
}

function badgeOf(view: ItemView): DisplayBadge | undefined {
  switch (view.state) {
    case 'shown':
      return view.item.badge;
    case 'failed':
      return view.badge;
    case 'locked':
      return { kind: 'locked' };
    case 'clickToDecrypt':
      return { kind: 'clickToDecrypt' };
    default:
      return undefined;
  }
}

/**
 * One message. Header row (written only by this frame): the cryptographic sender, the signed time, the badge, the
 * region's one Unlock/Decrypt button (first item), the security pattern chip. Below it the body, a separate box in
 * which the plaintext is a text node: nothing the message contains can reach the header row. An item without
 * plaintext says why in a note (`.oc-note`, our own words, never message content).
 */
function renderItem({ index, view, heightPx, pattern, fully, first, gate, onUnlock, onReveal }: RegionItemProps) {
  const badge = badgeOf(view);
  const alert = badge?.kind === 'mismatch' || (view.state === 'failed' && badge?.kind !== 'clickToDecrypt' && badge?.kind !== 'locked');
  const shown = view.state === 'shown' ? view.item : undefined;
  const time = shown ? messageTime(shown.header.sentAt) : undefined;
  const shownAt = view.state === 'shown' || view.state === 'failed' ? view.shownAt.toFixed(1) : undefined;
  return (
    <article
      class={alert ? 'oc-msg oc-alert' : 'oc-msg'}
      data-index={index}
      data-state={view.state}
      data-shown-at={shownAt}
      style={{ height: `${heightPx}px` }}
    >
      <div class="oc-header">
        {shown ? (
          <span class="oc-author" data-identity={shown.header.senderIdentity} title={neutraliseLabel(shown.header.senderIdentity, 200)}>
            {neutraliseLabel(shown.senderName, 60)}
          </span>
        ) : (
          <span class="oc-author oc-author-unknown">Overcrypt</span>
        )}
        {time?.short ? (
          <time class="oc-time" dateTime={new Date(shown!.header.sentAt).toISOString()} title={time.full}>
            {time.short}
          </time>
        ) : (
          <span class="oc-time" />
        )}
        {badge ? <Badge badge={badge} /> : <span class="oc-badge oc-neutral">decrypting…</span>}
        {first && gate === 'locked' ? (
          <button type="button" class="oc-unlock" onClick={onUnlock}>
            Unlock
          </button>
        ) : null}
        {first && gate === 'clickToDecrypt' ? (
          <button type="button" class="oc-reveal" disabled={!fully || !onReveal} onClick={onReveal}>
            Decrypt
          </button>
        ) : null}
        <PatternChip phrase={pattern} visible={fully} />
      </div>
      {shown ? <div class="oc-body">{neutralise(shown.plaintext)}</div> : badge ? <div class="oc-note">{badgeLabel(badge).title}</div> : null}
    </article>
  );
}

/**
 * Re-renders an item only when its own props changed: item views are immutable (region-loader.ts), so a chunk
 * arriving or a scroll changing one item's visibility does not redo the others (neutralising their text again).
 */
class RegionItem extends Component<RegionItemProps> {
  override shouldComponentUpdate(next: RegionItemProps): boolean {
    const prev = this.props as unknown as Record<string, unknown>;
    const keys = Object.keys(next) as (keyof RegionItemProps)[];
    return keys.length !== Object.keys(prev).length || keys.some((k) => prev[k] !== next[k]);
  }

  override render() {
    return renderItem(this.props);
  }
}
