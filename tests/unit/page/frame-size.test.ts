import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAME_METRICS, displayFrameHeight, estimatedPlaintextBytes, textColumnWidth } from '../../../lib/page/frame-size';

const m = DEFAULT_FRAME_METRICS;
/** Armor characters of a kind-4 message with `bytes` of plaintext (inverse of estimatedPlaintextBytes). */
const armorFor = (bytes: number) => Math.ceil(((bytes + 190) * 11) / 8);

describe('display frame size', () => {
  it('depends only on armor length and width (same input, same size, whatever the decrypt outcome)', () => {
    expect(displayFrameHeight(500, 400)).toBe(displayFrameHeight(500, 400));
  });

  it('a one-line message gets one chat row of room (one line + row padding, about 24 px, no header line)', () => {
    expect(displayFrameHeight(armorFor(20), 800, m, 4)).toBe(m.lineHeightPx + m.rowPadPx);
    expect(m.lineHeightPx + m.rowPadPx).toBe(24);
    expect(displayFrameHeight(0, 800)).toBe(24);
  });

  it('the text column is the row minus the time, sender+badge and chip columns', () => {
    expect(textColumnWidth(800)).toBe(800 - m.rowInsetPx - m.timeColPx - m.senderColPx - m.chipColPx - 3 * m.gapPx);
    const perLine = Math.floor(textColumnWidth(800) / m.charWidthPx);
    // Exactly one line's worth fits one line; one more character needs a second line.
    expect(displayFrameHeight(armorFor(perLine), 800, m, 4)).toBeLessThanOrEqual(24 + m.lineHeightPx);
    expect(displayFrameHeight(armorFor(perLine * 3 + 8), 800, m, 4)).toBe(4 * m.lineHeightPx + m.rowPadPx);
  });

  it('grows with the ciphertext and is bounded', () => {
    const small = displayFrameHeight(400, 400);
    const large = displayFrameHeight(4000, 400);
    expect(large).toBeGreaterThan(small);
    expect(displayFrameHeight(10_000_000, 400)).toBe(m.maxLines * m.lineHeightPx + m.rowPadPx);
    expect(small).toBeGreaterThanOrEqual(m.lineHeightPx + m.rowPadPx);
  });

  it('a narrower frame needs more lines', () => {
    expect(displayFrameHeight(1200, 400)).toBeGreaterThan(displayFrameHeight(1200, 1000));
  });

  it('uses the envelope kind read from the armor (card mode carries per-recipient entries)', () => {
    expect(estimatedPlaintextBytes(1100, 4)).toBe(800 - 190);
    expect(estimatedPlaintextBytes(2200, 1)).toBe(1600 - 255 - 3 * 254);
    expect(displayFrameHeight(1100, 400, undefined, 1)).toBeLessThan(displayFrameHeight(1100, 400, undefined, 4));
  });

  it('estimates plaintext bytes from base62 armor minus envelope overhead', () => {
    expect(estimatedPlaintextBytes(0)).toBe(0);
    expect(estimatedPlaintextBytes(1100)).toBe(800 - 255);
  });
});
