// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { foreignFrames, removeForeignFrames } from '../../../lib/page/foreign-frames';

const ORIGIN = 'chrome-extension://dynamicid/';

async function mutationsDelivered(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('foreign extension frames', () => {
  it('finds iframes into the extension that we did not create', () => {
    document.body.innerHTML = `<div><iframe id="ours" src="${ORIGIN}display-frame.html#h"></iframe><iframe id="page" src="${ORIGIN}display-frame.html#h"></iframe><iframe id="other" src="https://example.org/"></iframe></div>`;
    const ours = document.getElementById('ours')!;
    expect(foreignFrames(document.body, ORIGIN, (f) => f === ours).map((f) => f.id)).toEqual(['page']);
  });

  it('removes a copy of our frame the page inserts, or one it re-points at our pages', async () => {
    document.body.innerHTML = '<div id="host"><iframe id="benign" src="https://example.org/"></iframe></div>';
    const removed: string[] = [];
    const stop = removeForeignFrames(document, ORIGIN, () => false, window.MutationObserver as unknown as typeof MutationObserver, (f) => removed.push(f.id));
    const copy = document.createElement('iframe');
    copy.id = 'copy';
    copy.setAttribute('src', `${ORIGIN}compose-frame.html#stolenhandle`);
    document.getElementById('host')!.append(copy);
    await mutationsDelivered();
    document.getElementById('benign')!.setAttribute('src', `${ORIGIN}display-frame.html#x`);
    await mutationsDelivered();
    expect(removed).toEqual(['copy', 'benign']);
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    stop();
  });
});
