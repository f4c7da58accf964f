/**
 * Content script for enabled sites (and the generic lock button). Holds no keys and never sees plaintext: it reports
 * the page context, moves ciphertext between the page and the worker, and positions our frames.
 *
 * Static matches cover loopback (local and test deployments); other sites the user or policy enables are
 * registered at run time by the worker with `scripting.registerContentScripts` for this same file.
 *
 * The site adapter comes from the built-in specs plus the policy's extra ones for this host (`page/status` ->
 * `extraSiteAdapters`); when a policy change alters them, the page controller starts over with the new adapter.
 */
import { browser } from 'wxt/browser';
import { API_TAG, createApiClient, type PageStatus, type WorkerPush } from '../../lib/api';
import { createSiteRegistry } from '../../lib/sites';
import { PageController } from './controller';
import { OWN_ATTR } from './display';
import { SpareFrame } from './spare-frame';

export default defineContentScript({
  matches: ['http://127.0.0.1/*', 'http://localhost/*'],
  // document_start: the worker hears of the page (and fetches the mailbox) and a display frame starts loading while
  // the page itself is still being parsed; the controller starts once the DOM is there.
  runAt: 'document_start',
  allFrames: false,
  main(ctx) {
    // Injected again into an open tab (the worker does that when a site is enabled): WXT's context invalidates the
    // older instance as this one starts, and onInvalidated below stops its controller: one instance per page.
    const api = createApiClient((m) => browser.runtime.sendMessage(m));
    const pages = { compose: '/compose-frame.html', display: '/display-frame.html' } as const;
    const onPush = (cb: (push: WorkerPush) => void) => {
      const listener = (msg: unknown) => {
        const m = msg as WorkerPush | undefined;
        if (m && typeof m === 'object' && m.tag === API_TAG && typeof m.push === 'string') cb(m);
      };
      browser.runtime.onMessage.addListener(listener);
      return () => browser.runtime.onMessage.removeListener(listener);
    };

    const spare = new SpareFrame(document, () => browser.runtime.getURL(pages.display), OWN_ATTR);
    let controller: PageController | undefined;
    let specsKey: string | undefined;
    let stopped = false;
    let initialStatus: PageStatus | undefined;
    const startWith = (extraSpecs: string[]) => {
      const key = JSON.stringify(extraSpecs);
      if (stopped || (controller && key === specsKey)) return;
      controller?.stop();
      specsKey = key;
      controller = new PageController({
        api,
        doc: document,
        win: window,
        adapter: createSiteRegistry({ extraSpecs }).forPage(document),
        frameUrl: (kind, handle) => `${browser.runtime.getURL(pages[kind] as '/compose-frame.html')}#${handle}`,
        onPush,
        spare,
        initialStatus,
      });
      void controller.start();
    };
    const policySpecs = async (): Promise<string[]> => {
      try {
        const status = await api.call({ type: 'page/status', host: location.host });
        initialStatus = status;
        // Only where frames will show plaintext without a click: elsewhere a frame of ours waits for a region.
        if (status.siteEnabled && status.registered && !status.locked && !stopped) spare.prepare();
        return status.extraSiteAdapters ?? [];
      } catch {
        return []; // worker unreachable: built-in adapters; the next settings/changed push retries
      }
    };
    const domReady = new Promise<void>((resolve) => {
      if (document.readyState !== 'loading') resolve();
      else document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
    });
    void Promise.all([policySpecs(), domReady]).then(([specs]) => startWith(specs));
    const unsubscribe = onPush((push) => {
      if (push.push === 'settings/changed') void policySpecs().then(startWith);
    });
    ctx.onInvalidated(() => {
      stopped = true;
      unsubscribe();
      controller?.stop();
      spare.discard();
    });
  },
});
