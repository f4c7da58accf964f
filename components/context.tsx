/**
 * What every view receives from its entrypoint: the typed API client and a few small callbacks for things only
 * an entrypoint may do with `browser.*` (current tab, host permission, opening pages). Views never touch `browser`.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from '../lib/api';
import type { ProgressEvent } from '../lib/api';

/** The page the user is looking at in the current tab. */
export interface CurrentTab {
  host: string;
  /** The page's scheme: host permissions are asked for exactly this origin. */
  scheme: 'http' | 'https';
  /** The browser's tab id: the worker answers `tab/status` for it (what our content script there last reported). */
  tabId?: number;
}

export interface UiEnv {
  /** Host of the active tab, or null on pages we cannot work on (chrome://, the web store, no tab). */
  currentTab(): Promise<CurrentTab | null>;
  /** Asks the browser for access to one origin (must run from a click). True when granted or already held. */
  requestHostPermission(host: string, scheme: 'http' | 'https'): Promise<boolean>;
  /** Opens one of our extension pages in a tab. */
  openPage(page: 'firstrun' | 'options'): void;
  /** Progress of long operations pushed by the worker (PagePush 'progress'); absent -> indeterminate progress. */
  subscribeProgress?(listener: (e: ProgressEvent) => void): () => void;
  /** Wall clock, injectable for tests. */
  now(): number;
}

export interface Ui {
  api: ApiClient;
  env: UiEnv;
  /** A request answered `Locked`: the shell shows the unlock prompt. */
  onLocked(): void;
}

const UiContext = createContext<Ui | null>(null);

export function UiProvider(props: { value: Ui; children: ComponentChildren }) {
  return <UiContext.Provider value={props.value}>{props.children}</UiContext.Provider>;
}

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('useUi outside UiProvider');
  return ui;
}
