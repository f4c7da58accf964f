/** A ComposeManager on the Lounge fixture page, with a fake worker that opens jobs and has no output yet. */
import type { ApiRequest } from '../../../lib/api';
import { createAdapter, THE_LOUNGE } from '../../../lib/sites';
import { ComposeManager, type ComposeState } from '../../../entrypoints/content/compose';
import { fakeApi } from '../frames/support';

export function loungeComposeManager(container: HTMLElement, onState: (s: ComposeState) => void = () => undefined) {
  const api = fakeApi((req: ApiRequest) => (req.type === 'compose/open' ? { handle: 'H'.repeat(22), jobId: 'job1' } : { outputs: [] }));
  const manager = new ComposeManager({
    api,
    doc: document,
    win: window as unknown as Window & typeof globalThis,
    adapter: createAdapter(THE_LOUNGE),
    host: '127.0.0.1:9000',
    frameUrl: (h) => `chrome-extension://dyn/compose-frame.html#${h}`,
    composeBox: () => document.getElementById('input'),
    container: () => container,
    onState,
  });
  return { api, manager };
}
