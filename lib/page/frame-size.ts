/**
 * Size of a display frame, computed from the ciphertext only: a frame that grew or shrank with the decrypt outcome
 * would tell the page whether this user can read a message (and how long the plaintext is). The frame scrolls
 * inside when the text needs more room.
 */

export interface FrameMetrics {
  /** Header line (author, badge). */
  headerPx: number;
  lineHeightPx: number;
  /** Average character width of the frame's font. */
  charWidthPx: number;
  paddingPx: number;
  maxLines: number;
}

export const DEFAULT_FRAME_METRICS: FrameMetrics = {
  headerPx: 22,
  lineHeightPx: 18,
  charWidthPx: 7.5,
  paddingPx: 12,
  maxLines: 10,
};

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
 * Height in CSS pixels for a frame of `widthPx` showing a message of `armorChars` armor characters of envelope
 * `kind` (both read from the ciphertext).
 */
export function displayFrameHeight(armorChars: number, widthPx: number, m: FrameMetrics = DEFAULT_FRAME_METRICS, kind?: number): number {
  const perLine = Math.max(20, Math.floor((Math.max(widthPx, 0) - m.paddingPx) / m.charWidthPx));
  const lines = Math.min(m.maxLines, Math.max(1, Math.ceil(estimatedPlaintextBytes(armorChars, kind) / perLine)));
  return m.headerPx + lines * m.lineHeightPx + m.paddingPx;
}
