/** Pure DOM logic of the content script: finding armor, sizing and placing frames, guarding the compose box. */
export { ArmorScanner, type ArmorScannerOptions, type FoundMessage } from './armor-scanner';
export { ArmorUnits, canonical, MAX_PENDING_SETS, type ArmorUnit } from './armor-units';
export { deliverParts, type SendStrategy, type DeliverEnv } from './deliver';
export { displayFrameHeight, estimatedPlaintextBytes, DEFAULT_FRAME_METRICS, type FrameMetrics } from './frame-size';
export { genericLocator, selectorLocator, isElement, type MessageLocator } from './locator';
export { followTarget, overlayStyle, type OverlayHandle, type OverlayEnv, type Box } from './overlay';
export { groupIntoRegions, REGION_MAX_ITEMS, type RegionUnit, type GroupOptions } from './regions';
export { windowScheduler, SlicedQueue, DEFAULT_SLICE_MS, type Scheduler, type IdleDeadlineLike } from './schedule';
export { guardSiteBox, readBox, writeBox, type SiteBoxGuard } from './site-box';
export { byViewportDistance, viewportDistance } from './viewport';
export { geometryVisible, watchVisibility, supportsTrackVisibility, type VisibilityWatch, type WatchEnv } from './visibility';
