import { describe, expect, it } from 'vitest';
import { handleFromLocation, isEmbedded, isSpare } from '../../../components/frames/handle';

describe('frame URL', () => {
  it('takes only a single handle from the fragment', () => {
    const h = 'AbC-_0123456789abcdefgh';
    expect(handleFromLocation({ hash: `#${h}`, search: '' })).toBe(h);
    expect(handleFromLocation({ hash: `#${h}`, search: '?plaintext=x' })).toBeUndefined();
    expect(handleFromLocation({ hash: `#${h}&x=1`, search: '' })).toBeUndefined();
    expect(handleFromLocation({ hash: '#short', search: '' })).toBeUndefined();
    expect(handleFromLocation({ hash: '', search: '' })).toBeUndefined();
  });

  it('knows whether it runs inside a page', () => {
    const self = {};
    expect(isEmbedded({ top: self, self })).toBe(false);
    expect(isEmbedded({ top: {}, self })).toBe(true);
  });

  it('a frame with neither fragment nor query is a spare (it waits for a region from the worker)', () => {
    expect(isSpare({ hash: '', search: '' })).toBe(true);
    expect(isSpare({ hash: '', search: '?x=1' })).toBe(false);
    expect(isSpare({ hash: '#AbC-_0123456789abcdefgh', search: '' })).toBe(false);
  });
});
