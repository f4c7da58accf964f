import { describe, expect, it } from 'vitest';
import { handleFromLocation, isEmbedded, isSpare, nextHandle } from '../../../components/frames/handle';

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

  it('a spare frame (no fragment, no query) takes the first fragment change only, and only a valid handle', async () => {
    expect(isSpare({ hash: '', search: '' })).toBe(true);
    expect(isSpare({ hash: '', search: '?x=1' })).toBe(false);
    expect(isSpare({ hash: '#AbC-_0123456789abcdefgh', search: '' })).toBe(false);
    const listeners: Array<() => void> = [];
    const win = {
      location: { hash: '', search: '' },
      addEventListener: (_t: 'hashchange', cb: () => void, o?: { once: boolean }) => {
        expect(o?.once).toBe(true);
        listeners.push(cb);
      },
    };
    const first = nextHandle(win);
    win.location.hash = '#AbC-_0123456789abcdefgh';
    listeners[0]!();
    expect(await first).toBe('AbC-_0123456789abcdefgh');
    const refused = nextHandle(win);
    win.location.hash = '#<script>';
    listeners[1]!();
    expect(await refused).toBeUndefined();
  });
});
