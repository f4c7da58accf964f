/**
 * Content script for enabled sites (and the generic lock button). Holds no keys and never sees plaintext: it reports
 * the page context, moves ciphertext between the page and the worker, and positions our frames.
 *
 * Static matches cover loopback (local and test deployments); other sites the user or policy enables are
 * registered at run time by the worker with `scripting.registerContentScripts` for this same file.
 */
import { browser } from 'wxt/browser';
import { API_TAG, createApiClient, type WorkerPush } from '../../lib/api';
import { createSiteRegistry } from '../../lib/sites';
import { PageController } from './controller';

export default defineContentScript({
  matches: ['http://127.0.0.1/*', 'http://localhost/*'],
  runAt: 'document_idle',
  allFrames: false,
  main(ctx) {
    const api = createApiClient((m) => browser.runtime.sendMessage(m));
    const adapter = createSiteRegistry().forPage(document);
    const pages = { compose: '/compose-frame.html', display: '/display-frame.html' } as const;
    const controller = new PageController({
      api,
      doc: document,
      win: window,
      adapter,
      frameUrl: (kind, handle) => `${browser.runtime.getURL(pages[kind] as '/compose-frame.html')}#${handle}`,
      onPush(cb) {
        const listener = (msg: unknown) => {
          const m = msg as WorkerPush | undefined;
          if (m && typeof m === 'object' && m.tag === API_TAG && typeof m.push === 'string') cb(m);
        };
        browser.runtime.onMessage.addListener(listener);
        return () => browser.runtime.onMessage.removeListener(listener);
      },
    });
    ctx.onInvalidated(() => controller.stop());
    void controller.start();
  },
});
