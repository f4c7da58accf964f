/**
 * Size of a display frame item, computed from the ciphertext only: a frame that grew or shrank with the decrypt
 * outcome would tell the page whether this user can read a message (and how long the plaintext is). An item whose
 * text needs more room scrolls inside its own box (with a visible "more" control, components/frames/DisplayView.tsx).
 *
 * The numbers mirror the item's layout in components/frames/frames.css: one chat row like The Lounge's, columns
 * time | sender + badge | text | pattern chip, the text wrapping in its own column, 13px/18px system font,
 * 3 px of padding above and below. A message whose text fits one line gets one line of room (24 px).
 */

export interface FrameMetrics {
  lineHeightPx: number;
  /** Average character width of the frame's font (13px system-ui). */
  charWidthPx: number;
  /** Padding above + below the text line(s). */
  rowPadPx: number;
  /** Left border + left and right padding of the row. */
  rowInsetPx: number;
  /** Fixed columns before/after the text: time, sender + badge, pattern chip. */
  timeColPx: number;
  senderColPx: number;
  chipColPx: number;
  /** Gap between two columns (three gaps: time|sender|text|chip). */
  gapPx: number;
  maxLines: number;
}

export const DEFAULT_FRAME_METRICS: FrameMetrics = {
  lineHeightPx: 18,
  charWidthPx: 7,
  rowPadPx: 6,
  rowInsetPx: 15,
  timeColPx: 40,
  senderColPx: 190,
  chipColPx: 64,
  gapPx: 8,
  maxLines: 10,
};

/** The height of a one-line item (the least room a message gets). */
export const MIN_ITEM_HEIGHT_PX = DEFAULT_FRAME_METRICS.lineHeightPx + DEFAULT_FRAME_METRICS.rowPadPx;

/** Width in CSS pixels of the text column for a row `widthPx` wide. */
export function textColumnWidth(widthPx: number, m: FrameMetrics = DEFAULT_FRAME_METRICS): number {
  return Math.max(0, widthPx) - m.rowInsetPx - m.timeColPx - m.senderColPx - m.chipColPx - 3 * m.gapPx;
}

/** Bytes of ciphertext a message carries besides its plaintext (signed header, recipient entries, tag). */
export const ENVELOPE_OVERHEAD_BYTES = 255;

/**
 * Typical overhead per envelope kind (lib/wire/envelope.ts codes), signed header included: only used to size the
 * frame, so an estimate is enough. Card mode grows by 254 B per recipient device; three are assumed.
 */
const OVERHEAD_BY_KIND: Readonly<Record<number, number>> = { 1: 255 + 3 * 254, 2: 300, 3: 200, 4: 190 };

/** base62 armor holds 8 bytes in 11 characters; armor framing is ignored (it is a few characters). */
export function estimatedPlaintextBytes(armorChars: number, kind?: number): number {
  const overhead = (kind !== undefined ? OVERHEAD_BY_KIND[kind] : undefined) ?? ENVELOPE_OVERHEAD_BYTES;
  return Math.max(0, Math.floor((armorChars * 8) / 11) - overhead);
}

/**
 * Height in CSS pixels for one item in a frame of `widthPx` showing a message of `armorChars` armor characters of
 * envelope `kind` (both read from the ciphertext): whole text lines plus the row padding, one line at least.
 */
export function displayFrameHeight(armorChars: number, widthPx: number, m: FrameMetrics = DEFAULT_FRAME_METRICS, kind?: number): number {
  const perLine = Math.max(20, Math.floor(textColumnWidth(widthPx, m) / m.charWidthPx));
  const lines = Math.min(m.maxLines, Math.max(1, Math.ceil(estimatedPlaintextBytes(armorChars, kind) / perLine)));
  return lines * m.lineHeightPx + m.rowPadPx;
}
