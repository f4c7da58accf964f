import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAME_METRICS, displayFrameHeight, estimatedPlaintextBytes } from '../../../lib/page/frame-size';

describe('display frame size', () => {
  it('depends only on armor length and width (same input, same size, whatever the decrypt outcome)', () => {
    expect(displayFrameHeight(500, 400)).toBe(displayFrameHeight(500, 400));
  });

  it('grows with the ciphertext and is bounded', () => {
    const m = DEFAULT_FRAME_METRICS;
    const small = displayFrameHeight(400, 400);
    const large = displayFrameHeight(4000, 400);
    expect(large).toBeGreaterThan(small);
    expect(displayFrameHeight(10_000_000, 400)).toBe(m.headerPx + m.maxLines * m.lineHeightPx + m.paddingPx);
    expect(small).toBeGreaterThanOrEqual(m.headerPx + m.lineHeightPx + m.paddingPx);
  });

  it('a narrower frame needs more lines', () => {
    expect(displayFrameHeight(600, 200)).toBeGreaterThan(displayFrameHeight(600, 800));
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
