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
 * One message, laid out like a chat row of the site: time | sender and badge | text | security pattern chip, on one
 * line when the text fits (frames.css: `.oc-msg` is a grid, `.oc-header` is `display: contents`). The header parts
 * are written only by this frame: the cryptographic sender is its own element, and the plaintext is a text node in
 * `.oc-body`, a separate cell, so nothing the message contains can reach the sender or badge. An item without
 * plaintext says why in a note (`.oc-note`, our own words, never message content); a failed item's badge says it
 * all and takes the text column too.
 */
function renderItem(
  { index, view, heightPx, pattern, fully, first, gate, onUnlock, onReveal }: RegionItemProps,
  body: { ref: (el: HTMLDivElement | null) => void; more: boolean; onScroll: () => void; onMore: () => void },
) {
  const badge = badgeOf(view);
  const alert = badge?.kind === 'mismatch' || (view.state === 'failed' && badge?.kind !== 'clickToDecrypt' && badge?.kind !== 'locked');
  const shown = view.state === 'shown' ? view.item : undefined;
  const time = shown ? messageTime(shown.header.sentAt) : undefined;
  const shownAt = view.state === 'shown' || view.state === 'failed' ? view.shownAt.toFixed(1) : undefined;
  const note = !shown && badge && view.state !== 'failed' ? badgeLabel(badge).title : undefined;
  return (
    <article
      class={alert ? 'oc-msg oc-alert' : 'oc-msg'}
      data-index={index}
      data-state={view.state}
      data-shown-at={shownAt}
      style={{ height: `${heightPx}px` }}
    >
      <div class="oc-header">
        {time?.short ? (
          <time class="oc-time" dateTime={new Date(shown!.header.sentAt).toISOString()} title={time.full}>
            {time.short}
          </time>
        ) : (
          <span class="oc-time" />
        )}
        <span class="oc-who">
          {shown ? (
            <span class="oc-author" data-identity={shown.header.senderIdentity} title={neutraliseLabel(shown.header.senderIdentity, 200)}>
              {neutraliseLabel(shown.senderName, 60)}
            </span>
          ) : (
            <span class="oc-author oc-author-unknown">Overcrypt</span>
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
        </span>
        <PatternChip phrase={pattern} visible={fully} />
      </div>
      {shown ? (
        <div class="oc-text">
          <div class="oc-body" ref={body.ref} onScroll={body.onScroll}>
            {neutralise(shown.plaintext)}
          </div>
          {body.more ? (
            <button type="button" class="oc-more" title="Show more of this message" onClick={body.onMore}>
              more ↓
            </button>
          ) : null}
        </div>
      ) : note ? (
        <div class="oc-text oc-note">{note}</div>
      ) : null}
    </article>
  );
}

/** Pixels of text below the visible part of a scrolling body for it to count as "more to read". */
const MORE_SLACK_PX = 2;

/** Whether `el` has text below what it shows. */
export function hasMoreBelow(el: Pick<HTMLElement, 'scrollHeight' | 'scrollTop' | 'clientHeight'>): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight > MORE_SLACK_PX;
}

interface RegionItemState {
  /** The text overflows the item's fixed box below what is shown: the "more ↓" button is shown. */
  more: boolean;
}

/**
 * Re-renders an item only when its own props (or its "more" state) changed: item views are immutable
 * (region-loader.ts), so a chunk arriving or a scroll changing one item's visibility does not redo the others
 * (neutralising their text again).
 *
 * The item's height never depends on the plaintext (the page sees the frame's size): text longer than the room
 * reserved scrolls inside the body, and a "more ↓" button says so; it scrolls the body down a page, and goes away
 * once the end is in view.
 */
class RegionItem extends Component<RegionItemProps, RegionItemState> {
  override state: RegionItemState = { more: false };
  private body: HTMLDivElement | null = null;
  private resize: ResizeObserver | undefined;
  private readonly setBody = (el: HTMLDivElement | null) => {
    if (el === this.body) return;
    this.resize?.disconnect();
    this.resize = undefined;
    this.body = el;
    const RO = el?.ownerDocument.defaultView?.ResizeObserver;
    if (el && RO) {
      // The frame's width changes with the page's: the same text may wrap onto more lines, or fewer.
      this.resize = new RO(() => this.measure());
      this.resize.observe(el);
    }
  };
  private readonly measure = () => {
    const more = this.body ? hasMoreBelow(this.body) : false;
    if (more !== this.state.more) this.setState({ more });
  };
  private readonly onMore = () => {
    const el = this.body;
    if (!el) return;
    // One box of text further, keeping the last line in sight so the reader does not lose the thread.
    el.scrollTop = Math.min(el.scrollHeight - el.clientHeight, el.scrollTop + Math.max(el.clientHeight - 18, 18));
    this.measure();
  };

  override shouldComponentUpdate(next: RegionItemProps, nextState: RegionItemState): boolean {
    if (nextState.more !== this.state.more) return true;
    const prev = this.props as unknown as Record<string, unknown>;
    const keys = Object.keys(next) as (keyof RegionItemProps)[];
    return keys.length !== Object.keys(prev).length || keys.some((k) => prev[k] !== next[k]);
  }

  override componentDidMount(): void {
    this.measure();
  }

  override componentDidUpdate(): void {
    this.measure();
  }

  override componentWillUnmount(): void {
    this.resize?.disconnect();
  }

  override render() {
    return renderItem(this.props, { ref: this.setBody, more: this.state.more, onScroll: this.measure, onMore: this.onMore });
  }
}
