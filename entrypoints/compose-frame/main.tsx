/**
 * Secure compose frame, laid over the site's compose box by the content script. The plaintext typed here goes only
 * to the worker (`compose/submit`). Takes only a single-use handle from its URL and listens to no `message` events.
 */
import { render } from 'preact';
import { browser } from 'wxt/browser';
import { API_TAG, createApiClient } from '../../lib/api';
import { ComposeApp } from '../../components/frames/ComposeApp';
import { handleFromLocation, isEmbedded } from '../../components/frames/handle';
import { useFrameVisibility } from '../../components/frames/useFrameVisibility';
import '../../components/frames/frames.css';

const api = createApiClient((m) => browser.runtime.sendMessage(m));
const env = { IntersectionObserver: window.IntersectionObserver, document, setInterval: window.setInterval.bind(window), clearInterval: (id: unknown) => window.clearInterval(id as number) };

/** The worker's status/settings pushes (runtime broadcast; a page cannot send these: it has no runtime). */
function onStatusPush(cb: () => void): () => void {
  const listener = (msg: unknown) => {
    const m = msg as { tag?: string; push?: string } | undefined;
    if (m?.tag === API_TAG && (m.push === 'status/changed' || m.push === 'settings/changed')) cb();
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

/** The worker's lock/unlock pushes. */
function onLockChange(cb: (locked: boolean) => void): () => void {
  const listener = (msg: unknown) => {
    const m = msg as { tag?: string; push?: string; locked?: unknown } | undefined;
    if (m?.tag === API_TAG && m.push === 'status/changed' && typeof m.locked === 'boolean') cb(m.locked);
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

function Root({ handle }: { handle: string }) {
  const visible = useFrameVisibility(env);
  return <ComposeApp api={api} handle={handle} visible={visible} focus={window} onStatusPush={onStatusPush} onLockChange={onLockChange} />;
}

const handle = handleFromLocation(location);
history.replaceState(null, '', location.pathname);
const app = document.getElementById('app')!;
if (!handle || !isEmbedded(window)) render(<div class="oc-refused">Overcrypt: this secure box cannot be used here.</div>, app);
else render(<Root handle={handle} />, app);
