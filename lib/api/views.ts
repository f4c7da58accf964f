/**
 * Data shapes that cross the messaging boundary (worker <-> popup, tabs, frames, content scripts).
 * Plain JSON only: no Uint8Array, no class instances, never a private key.
 */

/** Who is calling the worker, as derived from `sender.origin` + page path (lib/service/senders.ts). */
export type SenderKind = 'popup' | 'extensionTab' | 'composeFrame' | 'displayFrame' | 'contentScript';

/** Encryption mode of a conversation: long-term card keys, or prekey sessions with forward secrecy. */
export type EncryptionMode = 'card' | 'forward-secret';

export type TrustState = 'verified' | 'firstSeen' | 'keyChanged';

export interface DirectoryStatus {
  url: string;
  online: boolean;
  /** Requests waiting for the directory to come back (mailbox posts, archive copies, acks). */
  queued: number;
  lastError?: { code: string; message: string };
}

export interface Status {
  registered: boolean;
  locked: boolean;
  identity?: string;
  deviceCardId?: string;
  /** Short, human-comparable fingerprint of this device's card. */
  fingerprint?: string;
  directory: DirectoryStatus;
  autoLockMinutes: number;
}

export interface RegisterResult {
  identity: string;
  deviceCardId: string;
  fingerprint: string;
}

/** A participant as the page shows it; only a hint, the worker resolves it to cards. */
export interface PageParticipant {
  handle: string;
  displayName?: string;
}

export interface PageContext {
  /** Host of the page, e.g. "127.0.0.1:9000". */
  host: string;
  adapterId: string;
  /** Identity namespace (IRC network for The Lounge, host otherwise): card identity = handle@namespace. */
  namespace: string;
  selfHandle?: string;
  conversation?: { id: string; kind: 'channel' | 'direct' | 'unknown'; title?: string };
  participants: PageParticipant[];
  /** Count of armor blocks currently on the page (for status only). */
  armorCount?: number;
  /** The site's message length limit (characters); armor parts are cut below it. */
  maxMessageLength?: number;
}

export interface PageStatus {
  siteEnabled: boolean;
  siteLocked: boolean;
  mode: EncryptionMode;
  modeLocked: boolean;
  encryptionOn: boolean;
  locked: boolean;
  registered: boolean;
  /** People / devices a message in this conversation would be encrypted to, when known. */
  recipients?: { people: number; devices: number };
  warnings: PageWarning[];
  /**
   * The policy's extra site adapters (declarative specs, JSON text) that can apply to this host: they list it,
   * or match by markup only. For `createSiteRegistry({ extraSpecs })`. Absent when there are none.
   */
  extraSiteAdapters?: string[];
}

/** The popup's summary of a tab: the page context its content script last reported, and the status for it. */
export interface TabStatus extends PageStatus {
  host: string;
  /** The site adapter that recognised the page ("generic" when none did). */
  adapterId: string;
  /** The open conversation, when the adapter found one. */
  conversationId?: string;
  conversationTitle?: string;
}

export type PageWarning =
  | { kind: 'noCard'; handle: string }
  | { kind: 'keyChanged'; identity: string }
  | { kind: 'newDevice'; identity: string; cardId: string };

export interface DeviceView {
  cardId: string;
  identity: string;
  fingerprint: string;
  createdAt: number;
  /** True for the card of this browser. */
  thisDevice?: boolean;
  /** When this browser first saw the card (contacts' devices). */
  firstSeenAt?: number;
  /** A contact's device that appeared after the contact was first seen or last verified: listed as new. */
  isNew?: boolean;
  /** New to this conversation: needs a click in the compose frame before it receives anything. */
  approved?: boolean;
  state?: TrustState;
}

export interface RecipientView {
  identity: string;
  handle: string;
  state: TrustState | 'noCard';
  devices: DeviceView[];
}

export interface ComposeJob {
  jobId: string;
  conversation: { id: string; title?: string; kind: 'channel' | 'direct' | 'unknown' };
  mode: EncryptionMode;
  recipients: RecipientView[];
  /** The user's personal security pattern, shown only in our frames. */
  securityPattern?: string;
  maxPartLength: number;
}

/** The signed header of a message, as the sender put it. */
export interface MessageHeader {
  messageId: string;
  conversationId: string;
  senderIdentity: string;
  senderCardId: string;
  sentAt: number;
  mode: EncryptionMode;
}

export type DisplayBadge =
  | { kind: 'verified' | 'firstSeen' | 'keyChanged' }
  | { kind: 'mismatch'; reason: 'conversation' | 'author' | 'repeatedMessageId' }
  | { kind: 'couldNotDecrypt'; reason: string }
  | { kind: 'locked' }
  | { kind: 'notForThisDevice' }
  /** Site not enabled: decrypt only after a click in our frame. */
  | { kind: 'clickToDecrypt' };

/** One message of a display region, as the frame shows it. */
export type DisplayItem =
  | {
      ok: true;
      plaintext: string;
      header: MessageHeader;
      /** The cryptographic sender's display name (from the contact store / card, never from the page). */
      senderName: string;
      badge: DisplayBadge;
      fromCache: boolean;
    }
  | { ok: false; badge: DisplayBadge };

/**
 * What a display frame gets when it claims its handle. `gate`: 'ready' (fetch items), 'locked' (show "locked
 * (unlock)" on every item and fetch after the unlock push), 'clickToDecrypt' (site not enabled: fetch with
 * `reveal` only after a click inside the frame). `heightsPx`: the room for each item, as the content script
 * reserved it (from the ciphertext). `securityPattern`: the user's personal pattern, shown in our frames so a page
 * cannot fake one. `inView`: the items the content script saw on screen, which the frame may ask for before its
 * own visibility report comes (only an order: the frame's report decides from then on).
 */
export interface DisplayRegion {
  jobId: string;
  heightsPx: number[];
  gate: 'ready' | 'locked' | 'clickToDecrypt';
  securityPattern?: string;
  inView?: number[];
}

export interface DirectoryCheck {
  reachable: boolean;
  /** Round trip in ms when reachable. */
  latencyMs?: number;
  error?: { code: string; message: string };
}

export type ComposeBlockReason = 'siteBoxChanged' | 'frameGone';

/** Progress of a long operation, pushed to extension pages. */
export interface ProgressEvent {
  op: 'account/register' | 'account/restore' | 'prekeys/rotate';
  step: 'identityKey' | 'deviceCard' | 'publish' | 'prekeys' | 'backup' | 'restore' | 'upload';
  done: number;
  total: number;
}

export interface ContactView {
  identity: string;
  state: TrustState;
  devices: DeviceView[];
  firstSeenAt: number;
  verifiedAt?: number;
  /** While `state === 'keyChanged'`: when this browser first saw the new identity key. */
  keyChangedAt?: number;
}

export interface SafetyNumber {
  /** 60 digits, grouped by 5 for display. */
  digits: string;
  /** Payload for a QR code (both sides scan each other). */
  qrPayload: string;
}

export interface PrekeyStatus {
  onServer: number;
  target: number;
  signedPrekeyCreatedAt: number | null;
}

export interface BackupStatus {
  exists: boolean;
  version?: string;
  allowed: boolean;
  /** Policy requires one: first run's backup step cannot be skipped. */
  required?: boolean;
  /** Policy configures an org backup card (seed 001). */
  orgBackup: boolean;
}

export interface SiteView {
  host: string;
  enabled: boolean;
  mode: EncryptionMode;
  /** Policy decided; the popup shows the entry locked with `lockedReason`. */
  locked: boolean;
  lockedReason?: string;
  adapterId?: string;
}

/** User-editable settings (policy may lock any of them). */
export interface UserSettings {
  directoryUrl?: string;
  autoLockMinutes?: number;
  prekeyTarget?: number;
  /** host -> preference */
  sites?: Record<string, { enabled: boolean; mode?: EncryptionMode }>;
  /** conversation key ("host|conversationId") -> encryption on */
  conversations?: Record<string, boolean>;
  securityPattern?: string;
}

export interface SettingsView {
  effective: EffectiveSettingsView;
  user: UserSettings;
  /** Dotted keys policy decides; the UI shows them locked. */
  locked: string[];
  /** For each key in `locked`: why, in plain words. */
  lockedReasons: Record<string, string>;
}

export interface EffectiveSettingsView {
  directoryUrl: string;
  appPublicKey?: string;
  orgCardId?: string;
  orgPublicKey?: string;
  identityHint?: string;
  autoLockMinutes: number;
  prekeyTarget: number;
  allowKeyBackup: boolean;
  /** Policy: first run cannot skip making a backup. */
  requireKeyBackup: boolean;
  sites: SiteView[];
  extraSiteAdapters: unknown[];
}
