/**
 * The small Overcrypt control next to the site's compose box: encryption on/off for this conversation (a trusted
 * click toggles it), who it is encrypted to (people / devices), and warnings. It holds no secrets: everything on it
 * is status the page could learn anyway. Lives in a shadow root so the site's CSS does not restyle it (open, so
 * tests can find it; it is not a security boundary and needs none: page clicks on it are ignored, see isTrusted).
 */
import type { PageStatus } from '../../lib/api';
import { composeLayout, followTarget, reserveStrip, stripAbove, type OverlayHandle } from '../../lib/page/overlay';
import type { ComposeState } from './compose';
import { OWN_ATTR } from './display';
import { CHIP_ROOM_PX, COMPOSE_MIN_HEIGHT_PX } from './compose';

export interface ChipModel {
  status?: PageStatus;
  compose: ComposeState;
  hasConversation: boolean;
}

/** The chip's text and tone for a model (pure, unit-tested). */
export function chipText(m: ChipModel): { text: string; tone: 'on' | 'off' | 'warn' } {
  const s = m.status;
  if (!s) return { text: '🔓 Overcrypt…', tone: 'off' };
  if (!s.registered) return { text: '🔓 Overcrypt: not set up', tone: 'off' };
  if (s.locked) return { text: '🔒 Overcrypt locked: unlock from the toolbar', tone: 'warn' };
  if (!m.hasConversation) return { text: '🔓 Overcrypt', tone: 'off' };
  if (!s.encryptionOn) return { text: '🔓 Not encrypted: click to encrypt', tone: 'off' };
  const c = m.compose;
  if (c.kind === 'blocked') {
    const why = c.reason === 'siteBoxChanged' ? 'text went into the site’s box' : 'the page removed secure compose';
    return { text: `⚠ Blocked: ${why}. Click to clear it and start again`, tone: 'warn' };
  }
  if (c.kind === 'failed') return { text: `⚠ Secure compose unavailable (${c.code}): click to retry`, tone: 'warn' };
  if (c.kind === 'open' && c.covered) return { text: '⚠ Secure compose is covered', tone: 'warn' };
  const r = s.recipients;
  const who = r ? ` to ${r.people} ${r.people === 1 ? 'person' : 'people'} · ${r.devices} ${r.devices === 1 ? 'device' : 'devices'}` : '';
  const warn = s.warnings.length > 0 ? ` · ⚠ ${s.warnings.length}` : '';
  return { text: `🔒 Encrypted${who}${warn}`, tone: s.warnings.length > 0 ? 'warn' : 'on' };
}

export function warningLines(s: PageStatus | undefined): string[] {
  return (s?.warnings ?? []).map((w) =>
    w.kind === 'noCard' ? `${w.handle} has no Overcrypt key and cannot read` : w.kind === 'keyChanged' ? `${w.identity}: key changed` : `${w.identity}: new device`,
  );
}

/** Secure compose is holding room in the site's box (reserveRoom: the chip strip is above its frame, inside the box). */
export function composeHoldsRoom(c: ComposeState): boolean {
  return c.kind === 'open' || (c.kind === 'blocked' && c.reason === 'siteBoxChanged');
}

/**
 * The chip never lies over the site's message list (a covered display frame hides its security pattern): while
 * secure compose holds room in the site's box the chip sits in the strip above the compose frame, inside the box;
 * otherwise (encryption off, locked, compose opening or failed) the chip reserves its own strip right above the
 * site's box, inside the site's compose area (reserveStrip: the box's top margin grows by the strip).
 */
export class StatusChip {
  private readonly host: HTMLElement;
  private readonly button: HTMLButtonElement;
  private overlay: OverlayHandle | undefined;
  private target: Element | undefined;
  private compose: ComposeState = { kind: 'off' };
  /** The strip reserved above the site's box while compose holds no room. */
  private strip: { release: () => void; marginPx: number } | undefined;

  constructor(
    private readonly doc: Document,
    private readonly win: Window & typeof globalThis,
    container: HTMLElement,
    onToggle: () => void,
  ) {
    this.host = doc.createElement('div');
    this.host.setAttribute(OWN_ATTR, 'chip');
    const shadow = this.host.attachShadow({ mode: 'open' });
    const style = doc.createElement('style');
    style.textContent = `button{all:initial;font:11px/16px system-ui,sans-serif;padding:0 6px;border-radius:8px;cursor:pointer;
      background:#e6e6e6;color:#222;white-space:nowrap;box-shadow:0 0 0 1px #bbb}
      button[data-tone=on]{background:#d7f0d9;color:#1b5e20}button[data-tone=warn]{background:#ffe9b3;color:#7a4b00}`;
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.addEventListener('click', (e) => {
      if (e.isTrusted) onToggle(); // page scripts cannot switch encryption off by a synthetic click
    });
    shadow.append(style, this.button);
    container.append(this.host);
  }

  /** Shows the chip right-aligned in a strip just above the compose frame or the site's box (never over the page's messages). */
  attach(target: Element | null): void {
    if (target === this.target && target?.isConnected) return;
    this.overlay?.stop();
    this.overlay = undefined;
    this.releaseStrip();
    this.target = target ?? undefined;
    if (!target) {
      this.host.style.display = 'none';
      return;
    }
    Object.assign(this.host.style, { display: 'block', textAlign: 'right', pointerEvents: 'none' });
    this.button.style.pointerEvents = 'auto';
    this.syncRoom();
    this.overlay = followTarget(this.host, target, {
      win: this.win,
      ResizeObserver: this.win.ResizeObserver,
      place: (r) => (this.strip ? stripAbove(r, this.strip.marginPx, CHIP_ROOM_PX) : composeLayout(r, COMPOSE_MIN_HEIGHT_PX, CHIP_ROOM_PX).chip),
    });
  }

  /** Reserves the chip's own strip, or gives it back once secure compose holds room (see the class comment). */
  private syncRoom(): void {
    const target = this.target;
    const want = !!target?.isConnected && target instanceof this.win.HTMLElement && !composeHoldsRoom(this.compose);
    if (want && !this.strip) this.strip = reserveStrip(target as HTMLElement, CHIP_ROOM_PX, this.win);
    else if (!want) this.releaseStrip();
    this.overlay?.update();
  }

  private releaseStrip(): void {
    const strip = this.strip;
    this.strip = undefined;
    if (strip && this.target?.isConnected) strip.release();
  }

  render(model: ChipModel): void {
    if (model.compose !== this.compose) {
      this.compose = model.compose;
      this.syncRoom();
    }
    const { text, tone } = chipText(model);
    this.button.textContent = text;
    this.button.dataset.tone = tone;
    this.button.title = warningLines(model.status).join('\n');
  }

  remove(): void {
    this.overlay?.stop();
    this.releaseStrip();
    this.host.remove();
  }
}
