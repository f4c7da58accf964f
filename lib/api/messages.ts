/**
 * THE one API between the background worker and everything else (popup, extension tabs, our compose and display
 * frames, content scripts). One map from request type to request fields and response value; the request union,
 * the response lookup and the envelope are derived from it, so a new operation is one line here plus one handler.
 *
 * Who may call what is in lib/service/privileges.ts. Two rules shape this file:
 * - content scripts never get plaintext: what they receive is handles, job ids, status and ciphertext;
 * - plaintext goes only to our own frames, each bound to one job by a single-use handle.
 */
import type {
  BackupStatus,
  ComposeJob,
  ContactView,
  DeviceView,
  DisplayItem,
  DisplayRegion,
  PageContext,
  PageStatus,
  PrekeyStatus,
  RecipientView,
  RegisterResult,
  DirectoryCheck,
  ComposeBlockReason,
  ProgressEvent,
  SafetyNumber,
  SettingsView,
  SiteView,
  Status,
  TabStatus,
  UserSettings,
  EncryptionMode,
} from './views';

type Empty = Record<never, never>;

export interface ApiSpec {
  // ---- status and lock (anyone may read status; unlock only where passphrases are typed)
  'status/get': { req: Empty; res: Status };
  'vault/unlock': { req: { passphrase: string }; res: Status };
  'vault/lock': { req: Empty; res: Status };
  'vault/changePassphrase': { req: { oldPassphrase: string; newPassphrase: string }; res: Status };

  // ---- account (first run, second device, logout)
  'account/register': {
    req: {
      directoryUrl?: string;
      identity: string;
      /** Account password for the directory (sent to it). */
      password: string;
      invite?: string;
      /** Local passphrase that opens this browser's vault (never leaves the worker). */
      passphrase: string;
      securityPattern?: string;
    };
    res: RegisterResult;
  };
  'account/restore': {
    req: {
      directoryUrl?: string;
      identity: string;
      password: string;
      /** Opens the backup; the directory never receives it. */
      backupPassword: string;
      passphrase: string;
      securityPattern?: string;
    };
    res: RegisterResult;
  };
  'account/logout': { req: { revokeCard: boolean; confirmWithoutBackup?: boolean }; res: { wiped: true } };
  /** Is this directory reachable? (Before registration; the worker fetches, the UI never does.) */
  'directory/check': { req: { url: string }; res: DirectoryCheck };

  // ---- page (content scripts): context, status, armor, compose jobs
  'page/context': { req: { context: PageContext }; res: PageStatus };
  'page/status': { req: { host: string; conversationId?: string }; res: PageStatus };
  /** The popup's view of one tab: what that tab's content script last reported (top frame), or null. */
  'tab/status': { req: { tabId: number }; res: TabStatus | null };
  'page/setEncryption': { req: { host: string; conversationId: string; on: boolean }; res: PageStatus };
  /**
   * Armor seen in the page -> handle for one display frame. A frame shows a *region*: one or more encrypted
   * messages that sit next to each other in the page (history loads as long runs; a live message is a region of
   * one). `items` in page order, at most LIMITS.regionItems. On an enabled site the worker starts decrypting them
   * at once, before the frame asks: the items on screen first, the others after (lib/service/prefetch.ts).
   */
  'armor/found': {
    req: { host: string; conversationId?: string; items: FoundArmor[] };
    res: { handle: string };
  };
  /** Opens a compose job for a conversation -> handle for the compose frame, job id to collect the ciphertext. */
  'compose/open': { req: { host: string; conversationId: string }; res: { handle: string; jobId: string } };
  /** Ciphertext produced for this content script's job (also pushed as `compose/ciphertext`). */
  'compose/output': { req: { jobId: string }; res: { outputs: ComposeOutput[] } };
  /**
   * The content script saw the compose frame removed/covered or text appear in the site's own box: the worker
   * refuses every later `compose/submit` of this job with ComposeBlocked (open a new job to go on).
   */
  'compose/block': { req: { jobId: string; reason: ComposeBlockReason }; res: Empty };
  /** The content script removed a frame: forget its job. */
  'job/release': { req: { handleOrJobId: string }; res: Empty };

  // ---- our frames
  /**
   * The display frame claims its region with the single-use handle from its URL: the job is bound to this frame
   * (tab + frame + document) from then on and is addressed by `jobId`. Answers while locked (gate 'locked').
   */
  'display/open': { req: { handle: string }; res: DisplayRegion };
  /**
   * A spare display frame (loaded before any region, with no handle) waits for the region the content script will
   * move it into, and claims it as display/open would; null after a while without one (lib/service/spares.ts).
   */
  'display/await': { req: Empty; res: DisplayRegion | null };
  /** The content script moved its spare frame into a region: the waiting spare gets it. `taken` false: load a frame. */
  'display/toSpare': { req: { handle: string }; res: { taken: boolean } };
  /**
   * Decrypts (or reads from the message cache) the region's items at `indices` (the frame asks for what is in
   * view first). `reveal`: the user clicked to decrypt (needed on sites not enabled, so a page cannot probe who
   * can read). `background`: none of these items is in view; the worker answers in-view fetches first. One answer
   * per index, same order.
   */
  'display/fetch': { req: { jobId: string; indices: number[]; reveal?: boolean; background?: boolean }; res: { items: DisplayItem[] } };
  'compose/claim': { req: { handle: string }; res: ComposeJob };
  /** A click in the compose frame approves recipients/devices new to this conversation. */
  'compose/approve': { req: { jobId: string; cardIds: string[] }; res: { recipients: RecipientView[] } };
  'compose/submit': { req: { jobId: string; plaintext: string }; res: { messageId: string; parts: number } };

  // ---- popup / extension tabs
  'contacts/list': { req: Empty; res: ContactView[] };
  'contacts/verify': { req: { identity: string; verified: boolean }; res: ContactView };
  'contacts/safetyNumber': { req: { identity: string }; res: SafetyNumber };
  'devices/list': { req: Empty; res: DeviceView[] };
  'devices/revoke': { req: { cardId: string }; res: DeviceView[] };
  'prekeys/status': { req: Empty; res: PrekeyStatus };
  'prekeys/rotate': { req: Empty; res: PrekeyStatus };
  'backup/status': { req: Empty; res: BackupStatus };
  'backup/create': { req: { backupPassword: string }; res: BackupStatus };
  'backup/changePassword': { req: { oldPassword: string; newPassword: string }; res: BackupStatus };
  'sites/list': { req: Empty; res: SiteView[] };
  'sites/toggle': { req: { host: string; enabled: boolean; mode?: EncryptionMode }; res: SiteView[] };
  'settings/get': { req: Empty; res: SettingsView };
  'settings/set': { req: { patch: UserSettings }; res: SettingsView };
}

export type RequestType = keyof ApiSpec;

/** The discriminated union of every request. */
export type ApiRequest = { [K in RequestType]: { type: K } & ApiSpec[K]['req'] }[RequestType];

export type RequestOf<K extends RequestType> = Extract<ApiRequest, { type: K }>;
export type ResponseOf<K extends RequestType> = ApiSpec[K]['res'];

/** Errors cross the boundary as `{code, message}` (code from lib/errors.ts ErrorCode). */
export interface WireError {
  code: string;
  message: string;
}

export type ApiReply<K extends RequestType = RequestType> =
  | { ok: true; value: ResponseOf<K> }
  | { ok: false; error: WireError };

/** Marks our messages so listeners ignore anything else on the runtime channel. */
export const API_TAG = 'overcrypt/api/v1' as const;

export interface ApiEnvelope {
  tag: typeof API_TAG;
  request: ApiRequest;
}

/** One encrypted message found in the page (all its parts, in part order). */
export interface FoundArmor {
  parts: string[];
  /** Author as the page shows it (a handle), compared with the signed header. */
  pageAuthor?: string;
  /**
   * Height in CSS px the content script reserved for this message, computed from the ciphertext only
   * (lib/page/frame-size.ts): the frame draws the message in exactly this much room, decrypted or not.
   */
  heightPx: number;
  /** On screen when found: on an enabled site the worker starts decrypting it at once, before its frame asks. */
  inView?: boolean;
}

/** Ciphertext for one submitted message, split into parts that fit the site's limit. */
export interface ComposeOutput {
  messageId: string;
  parts: string[];
}

/** Worker -> content script pushes (tabs.sendMessage); never plaintext. */
export type WorkerPush =
  | { tag: typeof API_TAG; push: 'compose/ciphertext'; jobId: string; output: ComposeOutput }
  | { tag: typeof API_TAG; push: 'status/changed'; locked: boolean }
  | { tag: typeof API_TAG; push: 'settings/changed' }
  /** To the content script that found a region: its frame got the first answer for the items on screen. */
  | { tag: typeof API_TAG; push: 'display/shown'; handle: string };

/** Worker -> extension pages (runtime.sendMessage) during long operations. */
export type PagePush = { tag: typeof API_TAG; push: 'progress' } & ProgressEvent;

export const REQUEST_TYPES = [
  'status/get',
  'vault/unlock',
  'vault/lock',
  'vault/changePassphrase',
  'account/register',
  'account/restore',
  'account/logout',
  'directory/check',
  'page/context',
  'page/status',
  'tab/status',
  'page/setEncryption',
  'armor/found',
  'compose/open',
  'compose/output',
  'compose/block',
  'job/release',
  'display/open',
  'display/await',
  'display/toSpare',
  'display/fetch',
  'compose/claim',
  'compose/approve',
  'compose/submit',
  'contacts/list',
  'contacts/verify',
  'contacts/safetyNumber',
  'devices/list',
  'devices/revoke',
  'prekeys/status',
  'prekeys/rotate',
  'backup/status',
  'backup/create',
  'backup/changePassword',
  'sites/list',
  'sites/toggle',
  'settings/get',
  'settings/set',
] as const satisfies readonly RequestType[];

// Compile-time check that REQUEST_TYPES lists every request type.
type Missing = Exclude<RequestType, (typeof REQUEST_TYPES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;
