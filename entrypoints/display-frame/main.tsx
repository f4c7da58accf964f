/**
 * Display frame: shows one region of encrypted messages (one or more, next to each other in the page). Takes only
 * a single-use handle from its URL, claims its region from the worker, and listens to no `message` events (the
 * page cannot drive it). Kept light: it loads once per region, so it imports the API client and the error codes
 * directly (not lib/api's index, which brings the request validator).
 */
import { render } from 'preact';
import { browser } from 'wxt/browser';
import { createApiClient } from '../../lib/api/client';
import { API_TAG } from '../../lib/api/messages';
import type { DisplayRegion } from '../../lib/api/views';
import { awaitRegion, DisplayApp } from '../../components/frames/DisplayApp';
import { handleFromLocation, isEmbedded, isSpare } from '../../components/frames/handle';
import '../../components/frames/frames.css';

const api = createApiClient((m) => browser.runtime.sendMessage(m));
const visibility = { IntersectionObserver: window.IntersectionObserver, document };

/** Calls `cb` on the worker's "unlocked" push, and when the frame gets focus (in case a push was missed). */
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

/** Calls `cb` on the worker's "locked" push (auto-lock or the user's lock). */
function onLocked(cb: () => void): () => void {
  const listener = (msg: unknown) => {
    const m = msg as { tag?: string; push?: string; locked?: boolean };
    if (m?.tag === API_TAG && m.push === 'status/changed' && m.locked === true) cb();
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

function openUnlock(): void {
  void browser.tabs.create({ url: browser.runtime.getURL('/popup.html') });
}

// The first request is what is on screen alone (the worker opened exactly those first, lib/service/prefetch.ts); the
// items around it come next, nearest first, in the following requests.
const nearPx = 0;

function refuse(): void {
  render(
    <div class="oc-region" data-gate="refused">
      <div class="oc-refused">Overcrypt: nothing to show.</div>
    </div>,
    app,
  );
}

function show(source: { handle: string } | { claim: () => Promise<DisplayRegion | undefined> }): void {
  render(<DisplayApp api={api} {...source} visibility={visibility} openUnlock={openUnlock} onUnlocked={onUnlocked} onLocked={onLocked} nearPx={nearPx} />, app);
}

const app = document.getElementById('app')!;
const handle = handleFromLocation(location);
const spare = isSpare(location);
// Drop the handle from the address so nothing else in this document can read it later.
history.replaceState(null, '', location.pathname);
if (!isEmbedded(window)) refuse();
// Loaded ahead of any region (a spare): the worker hands it the region the content script moves it into.
else if (spare) show({ claim: () => awaitRegion(api) });
else if (handle) show({ handle });
else refuse();
