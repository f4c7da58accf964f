/**
 * Display frame: shows one decrypted message. Takes only a single-use handle from its URL, fetches its job from the
 * worker, and listens to no `message` events (the page cannot drive it).
 */
import { render } from 'preact';
import { browser } from 'wxt/browser';
import { createApiClient, API_TAG } from '../../lib/api';
import { DisplayApp } from '../../components/frames/DisplayApp';
import { handleFromLocation, isEmbedded } from '../../components/frames/handle';
import { useFrameVisibility } from '../../components/frames/useFrameVisibility';
import '../../components/frames/frames.css';

const api = createApiClient((m) => browser.runtime.sendMessage(m));
const env = { IntersectionObserver: window.IntersectionObserver, document, setInterval: window.setInterval.bind(window), clearInterval: (id: unknown) => window.clearInterval(id as number) };

function onUnlocked(cb: () => void): () => void {
  const listener = (msg: unknown) => {
    const m = msg as { tag?: string; push?: string; locked?: boolean };
    if (m?.tag === API_TAG && m.push === 'status/changed' && m.locked === false) cb();
  };
  browser.runtime.onMessage.addListener(listener);
  const onFocus = () => cb();
  window.addEventListener('focus', onFocus);
  return () => {
    browser.runtime.onMessage.removeListener(listener);
    window.removeEventListener('focus', onFocus);
  };
}

function openUnlock(): void {
  void browser.tabs.create({ url: browser.runtime.getURL('/popup.html') });
}

function Root({ handle }: { handle: string }) {
  const visible = useFrameVisibility(env);
  return <DisplayApp api={api} handle={handle} visible={visible} openUnlock={openUnlock} onUnlocked={onUnlocked} />;
}

const handle = handleFromLocation(location);
// Drop the handle from the address so nothing else in this document can read it later.
history.replaceState(null, '', location.pathname);
const app = document.getElementById('app')!;
if (!handle || !isEmbedded(window)) render(<div class="oc-refused">Overcrypt: nothing to show.</div>, app);
else render(<Root handle={handle} />, app);
