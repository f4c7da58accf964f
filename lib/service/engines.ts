/**
 * Plug-in points: the crypto and protocol pieces (lib/x3dh, lib/ratchet, lib/senderkeys, lib/cards, lib/contacts,
 * lib/backup, lib/wire...) are written elsewhere; the service reaches them only through these interfaces.
 * The integrator implements `Engines` with them; tests use fakes.
 *
 * Rules every engine follows:
 * - Long-lived secrets go through `env.keystore` (sealed at rest); nothing secret in module globals (the worker
 *   restarts at any moment and globals reset). Record KEYS are stored in the clear: key records that name a person
 *   or a conversation by `await env.blindKey('contact\0' + identity)`, not by the name itself.
 *   (Session ids passed to `env.sessions` are blinded by the service.)
 * - Ratchet / sender-key state changes go through `env.sessions.update()`: it serialises per session id and
 *   commits the new state before the engine gets its result back, so a returned ciphertext or plaintext always has
 *   its state durable. Never write session state any other way.
 * - Throw OvercryptError with a code (lib/errors.ts); the service turns codes into badges and `{code, message}`.
 * - Never return a private key or the backup password from anything.
 */
import type { DirectoryClient } from '../directory/client';
import type { EffectiveConfig } from '../policy';
import type { Keystore, Write } from '../storage/keystore';
import type {
  ContactView,
  DeviceView,
  EncryptionMode,
  MessageHeader,
  PageParticipant,
  PageWarning,
  PrekeyStatus,
  ProgressEvent,
  RecipientView,
  SafetyNumber,
  TrustState,
} from '../api/views';

/** Stores whose records are per-session state, each serialised by the service. */
export type SessionKind = 'sessions' | 'senderKeys';

/** What `update()` callbacks return: the new state (undefined deletes it), the result, extra writes to commit. */
export interface SessionStep<S, R> {
  state: S | undefined;
  result: R;
  /** Committed in the same transaction as the state (e.g. consumed prekey deletion, contact first-seen). */
  writes?: Write[];
}

export interface SessionAccess {
  /**
   * Runs `step` with the current state of `kind/id`, one call at a time per id (SerialQueues), and commits its
   * `state` + `writes` atomically before resolving with `result`. If `step` throws, nothing is written.
   */
  update<S, R>(kind: SessionKind, id: string, step: (state: S | undefined) => Promise<SessionStep<S, R>>): Promise<R>;
  /** A snapshot (not queued): for display and diagnostics only, never to derive keys from. */
  read<S>(kind: SessionKind, id: string): Promise<S | undefined>;
}

/** This browser's account, as stored by the service after register/restore. */
export interface AccountRecord {
  identity: string;
  deviceCardId: string;
  fingerprint: string;
  createdAt: number;
}

/** Everything an engine may use. */
export interface EngineEnv {
  keystore: Keystore;
  sessions: SessionAccess;
  directory: DirectoryClient;
  config(): EffectiveConfig;
  clock: { now(): number };
  /** undefined before registration. */
  account(): Promise<AccountRecord | undefined>;
  /** Record key for a name that must not appear in the clear (contact identity, conversation): keyed HMAC. */
  blindKey(label: string): Promise<string>;
  /** A message-cache write to commit with a session step (see DecryptInput.digest). */
  cacheWrite(digest: string, message: { plaintext: string; header: MessageHeader & { senderName?: string; trust?: TrustState } }): Write;
  /** Reports progress of a long operation to extension pages (first-run wizard, keys screen). Never throws. */
  progress(event: ProgressEvent): void;
}

export interface ConversationRef {
  host: string;
  /** Identity namespace: a page handle `h` is the card identity `h@namespace`. */
  namespace: string;
  conversationId: string;
  kind: 'channel' | 'direct' | 'unknown';
  title?: string;
  selfHandle?: string;
  participants: PageParticipant[];
}

export interface EncryptInput {
  conversation: ConversationRef;
  mode: EncryptionMode;
  /** Device cards the user approved for this conversation (every recipient device is in here). */
  recipientCardIds: string[];
  plaintext: string;
  /** Longest armor part the site accepts (each part is sent as its own chat message). */
  maxPartLength: number;
}

export interface EncryptOutput {
  messageId: string;
  parts: string[];
  header: MessageHeader;
}

export interface DecryptInput {
  parts: string[];
  host: string;
  /**
   * ciphertextDigest(parts). An engine that consumes a message key in `env.sessions.update()` should add
   * `env.cacheWrite(input.digest, {...})` to that step's `writes`: the plaintext then lands in the message cache in
   * the same transaction as the ratchet step, so a worker killed right after never loses the message.
   * (The service caches after decrypt returns what no session step committed, e.g. card mode.)
   */
  digest: string;
}

export interface DecryptOutput {
  plaintext: string;
  header: MessageHeader;
  /** The cryptographic sender's name as the user knows it (identity, or a local nickname). */
  senderName: string;
  trust: TrustState;
}

export interface MessageEngine {
  /** People and devices a message to this conversation would reach, with their trust state. */
  recipients(env: EngineEnv, conversation: ConversationRef): Promise<RecipientView[]>;
  /** Encrypts; may run several `env.sessions.update()` (one per device). Throws on any failure. */
  encrypt(env: EngineEnv, input: EncryptInput): Promise<EncryptOutput>;
  /**
   * Decrypts and verifies. Codes the service maps to badges: Tampered / BadSignature / Malformed -> could not
   * decrypt (reason); NotARecipient -> not encrypted for this device; DuplicateMessage -> served from cache if
   * there, else could not decrypt.
   */
  decrypt(env: EngineEnv, input: DecryptInput): Promise<DecryptOutput>;
  /**
   * Optional: many messages at once (a display region), one result per input in the same order; one item's failure
   * is its result, never the others'. Lets an engine step a sender key once for all its messages. Rejects only for
   * Locked. Without it the service calls `decrypt` per message.
   */
  decryptBatch?(env: EngineEnv, inputs: DecryptInput[]): Promise<DecryptResult[]>;
}

/** One message's outcome in a batch: the plaintext or the error (OvercryptError with a code) it failed with. */
export type DecryptResult = { ok: true; out: DecryptOutput } | { ok: false; error: unknown };

export interface AccountEngine {
  /** Creates identity + device keys (sealed via env.keystore), publishes the card, uploads prekeys. */
  register(env: EngineEnv, input: { identity: string; password: string; invite?: string }): Promise<AccountRecord>;
  /** Signs in, fetches and opens the backup, publishes a new device card cross-signed by the restored identity. */
  restore(env: EngineEnv, input: { identity: string; password: string; backupPassword: string }): Promise<AccountRecord>;
  /** Directory side of logout (revoke this device's card if asked). The service wipes local data after. */
  logout(env: EngineEnv, input: { revokeCard: boolean }): Promise<void>;
  devices(env: EngineEnv): Promise<DeviceView[]>;
  revokeDevice(env: EngineEnv, cardId: string): Promise<void>;
  backupStatus(env: EngineEnv): Promise<{ exists: boolean; version?: string; orgBackup: boolean }>;
  backupCreate(env: EngineEnv, backupPassword: string): Promise<void>;
  backupChangePassword(env: EngineEnv, oldPassword: string, newPassword: string): Promise<void>;
}

export interface ContactsEngine {
  list(env: EngineEnv): Promise<ContactView[]>;
  setVerified(env: EngineEnv, identity: string, verified: boolean): Promise<ContactView>;
  safetyNumber(env: EngineEnv, identity: string): Promise<SafetyNumber>;
}

export interface KeyMaintenance {
  prekeyStatus(env: EngineEnv): Promise<PrekeyStatus>;
  /** Uploads one-time prekeys until the directory holds `config().prekeyTarget`. */
  topUpPrekeys(env: EngineEnv): Promise<PrekeyStatus>;
  /** Rotates the signed prekey when older than the engine's limit, or now when `force`. */
  rotateSignedPrekey(env: EngineEnv, force: boolean): Promise<PrekeyStatus>;
  /** Fetches and processes the mailbox (sender-key distributions, control messages); acks what it processed. */
  fetchMailbox(env: EngineEnv): Promise<{ processed: number }>;
  /** Re-fetches contacts' cards; returns changes worth surfacing (key changed, new device). */
  refreshCards(env: EngineEnv): Promise<PageWarning[]>;
}

export interface Engines {
  account: AccountEngine;
  messages: MessageEngine;
  contacts: ContactsEngine;
  keys: KeyMaintenance;
}
