import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, DisplayRegion } from '../../lib/api';
import { ErrorCode, isError } from '../../lib/errors';
import { RegionView } from './DisplayView';
import { itemsInBand } from './fetch-plan';
import { RegionLoader, type RegionSnapshot } from './region-loader';
import { useItemVisibility, type ItemVisibilityEnv } from './useItemVisibility';

export interface DisplayAppProps {
  api: ApiClient;
  /** The single-use handle from the frame's URL; or `claim`, for a spare frame that waits for its region. */
  handle?: string;
  claim?: () => Promise<DisplayRegion | undefined>;
  /** IntersectionObserver and document used to watch each item's visibility (the frame's own window in main.tsx). */
  visibility: ItemVisibilityEnv;
  /** Opens the popup / unlock tab (a passphrase is never typed in a frame). */
  openUnlock?: () => void;
  /** Subscribes to "the vault was unlocked"; returns an unsubscribe. The frame then fetches what is missing. */
  onUnlocked?: (cb: () => void) => () => void;
  /** Subscribes to "the vault locked"; returns an unsubscribe. The frame then drops what it shows. */
  onLocked?: (cb: () => void) => () => void;
  /** Items this close (px) to the ones in view are fetched with them in the first request. */
  nearPx?: number;
  /** Epoch ms, for `data-shown-at`. */
  now?: () => number;
  /** How long to wait for the first visibility report before fetching in index order anyway (ms). */
  startTimeoutMs?: number;
}

const DEFAULT_NEAR_PX = 400;
const DEFAULT_START_TIMEOUT_MS = 150;
const epochNow = () => performance.timeOrigin + performance.now();

type Phase = { kind: 'opening' } | { kind: 'refused' } | { kind: 'open'; region: DisplayRegion; snapshot: RegionSnapshot };

/** Claims the region for the handle (one retry if the worker was restarting), or undefined when refused. */
/** Performance marks in the frame's own timeline (the bench reads them to say where a region's time goes). */
export function mark(name: string): void {
  globalThis.performance?.mark?.(name);
}

async function openRegion(api: ApiClient, handle: string): Promise<DisplayRegion | undefined> {
  return claimOnce(() => api.call({ type: 'display/open', handle }));
}

/** A spare frame's claim: waits for the region the content script moves it into (undefined: none came). */
export async function awaitRegion(api: ApiClient): Promise<DisplayRegion | undefined> {
  return (await claimOnce(() => api.call({ type: 'display/await' }))) ?? undefined;
}

async function claimOnce<T>(call: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mark('oc:open-sent');
      const region = await call();
      mark('oc:open-done');
      return region;
    } catch (e) {
      if (!isError(e, ErrorCode.Network)) return undefined; // NotFound/Forbidden (used, expired, wrong frame) and the rest
    }
  }
  return undefined;
}

/**
 * The display frame: claims its region with the single-use handle, draws every item at its reserved height at
 * once, and fills them in as the worker answers (items in view first; region-loader.ts). Locked: "Unlock" and a
 * fetch on the unlock push. Site not enabled: "Decrypt", clickable only while the first item is fully visible.
 */
export function DisplayApp({ api, handle, claim, visibility, openUnlock, onUnlocked, onLocked, nearPx, now, startTimeoutMs }: DisplayAppProps) {
  const [phase, setPhase] = useState<Phase>({ kind: 'opening' });
  const loader = useRef<RegionLoader | null>(null);
  const container = useRef<HTMLDivElement | null>(null);
  /** The part of this frame inside the viewport (frame coordinates), from the first report on the whole document. */
  const band = useRef<{ top: number; bottom: number } | undefined>(undefined);
  /** Per-item reports came: they are the truth from then on. */
  const itemsReported = useRef(false);

  // While display/open is in flight, ask where the viewport is over this frame: with the heights, that tells which
  // items are in view as soon as the region is known, a frame or two before the items themselves are reported on.
  // (For a cross-origin frame the browser gives the intersection in the frame's own coordinates.)
  useLayoutEffect(() => {
    const IO = visibility.IntersectionObserver;
    const doc = container.current?.ownerDocument;
    if (!IO || !doc) return;
    const io = new IO((entries) => {
      const e = entries[entries.length - 1];
      if (!e) return;
      if (itemsReported.current) return io.disconnect();
      // Not in view (yet): a spare frame waits off screen until it is moved into its region; it reports again then.
      if (!e.isIntersecting) return;
      io.disconnect();
      band.current = { top: e.intersectionRect.top, bottom: e.intersectionRect.bottom };
      const l = loader.current;
      if (l) l.setInView(itemsInBand(l.heightsPx, band.current));
    });
    io.observe(doc.documentElement);
    return () => io.disconnect();
  }, [visibility]);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void (claim ? claim() : handle ? openRegion(api, handle) : Promise.resolve(undefined)).then((region) => {
      if (!live) return;
      if (!region || !Array.isArray(region.heightsPx) || region.heightsPx.length === 0) {
        setPhase({ kind: 'refused' });
        return;
      }
      const l = new RegionLoader(api, region, (snapshot) => live && setPhase({ kind: 'open', region, snapshot }), {
        nearPx: nearPx ?? DEFAULT_NEAR_PX,
        now: now ?? epochNow,
      });
      loader.current = l;
      setPhase({ kind: 'open', region, snapshot: l.snapshot() });
      if (band.current && !itemsReported.current) l.setInView(itemsInBand(region.heightsPx, band.current));
      // What the content script saw on screen: asked for at once, before this frame's own visibility report.
      else if (!itemsReported.current && region.inView?.length) l.setInView(new Set(region.inView.filter((i) => i >= 0 && i < region.heightsPx.length)));
      // A frame the browser does not render yet may get no visibility report: do not wait for it forever.
      timer = setTimeout(() => l.startWithoutView(), startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    });
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      loader.current?.stop();
      loader.current = null;
    };
  }, [api, handle, claim]);

  const region = phase.kind === 'open' ? phase.region : undefined;
  // The frame is exactly as tall as the room the content script reserved: nothing jumps when text arrives.
  useLayoutEffect(() => {
    const doc = container.current?.ownerDocument;
    if (!region || !doc) return;
    const total = `${region.heightsPx.reduce((n, h) => n + h, 0)}px`;
    doc.documentElement.style.height = total;
    if (doc.body) doc.body.style.height = total;
  }, [region]);

  const onInView = useCallback((inView: ReadonlySet<number>) => {
    itemsReported.current = true;
    loader.current?.setInView(inView);
  }, []);
  const fully = useItemVisibility(visibility, container, region?.heightsPx.length ?? 0, onInView);

  useEffect(() => onLocked?.(() => loader.current?.locked()), [onLocked]);

  const gate = phase.kind === 'open' ? phase.snapshot.gate : undefined;
  useEffect(() => {
    if (gate !== 'locked' || !onUnlocked) return;
    return onUnlocked(() => loader.current?.unlocked());
  }, [gate, onUnlocked]);

  const firstFullyVisible = fully[0] === true;
  const onReveal = useCallback(() => {
    if (firstFullyVisible) loader.current?.reveal();
  }, [firstFullyVisible]);

  if (phase.kind !== 'open') {
    return <RegionView phase={phase.kind} gate="ready" items={[]} heightsPx={[]} fully={[]} container={container} />;
  }
  return (
    <RegionView
      phase="open"
      gate={phase.snapshot.gate}
      items={phase.snapshot.items}
      heightsPx={phase.region.heightsPx}
      securityPattern={phase.region.securityPattern}
      fully={fully}
      container={container}
      onUnlock={openUnlock}
      onReveal={onReveal}
    />
  );
}
