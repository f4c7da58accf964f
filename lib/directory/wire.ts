/**
 * The directory's HTTP wire format: JSON shapes shared by the server (`server/`) and the
 * extension's clients, plus the exact bytes a prekey signature covers.
 *
 * Pure and dependency-free so both sides can import it. The full contract (routes, status
 * codes, limits) is in docs/directory-api.md and in the server's `GET /openapi.json`.
 */

/** Path prefix-free route constants, so clients and server cannot drift apart. */
export const DirectoryRoutes = {
  health: '/healthz',
  openapi: '/openapi.json',
  app: '/v1/app',
  accounts: '/v1/accounts',
  session: '/v1/session',
  cards: '/card/v5',
  card: (cardId: string) => `/card/v5/${cardId}`,
  searchCards: '/card/v5/actions/search',
  revokeCard: (cardId: string) => `/card/v5/actions/revoke/${cardId}`,
  prekeys: (cardId: string) => `/v1/cards/${cardId}/prekeys`,
  prekeyStatus: (cardId: string) => `/v1/cards/${cardId}/prekeys/status`,
  claimPrekeys: '/v1/prekeys/actions/claim',
  backup: '/v1/backup',
  mailbox: (cardId: string) => `/v1/mailbox/${cardId}`,
  mailboxAck: (cardId: string) => `/v1/mailbox/${cardId}/ack`,
  archive: '/v1/archive',
} as const;

/** Header virgil-sdk reads on `GET /card/v5/:id` (the misspelling is the SDK's). */
export const SUPERSEDED_HEADER = 'X-Virgil-Is-Superseeded';
/** JSON error code that makes virgil-sdk fetch a fresh token and retry once (HTTP 401). */
export const TOKEN_EXPIRED_CODE = 20304;

/** Every 4xx/5xx body. `code` is an `ErrorCode` string from lib/errors.ts, or 20304 (expired token). */
export interface ErrorBody {
  code: string | number;
  message: string;
}

// ---- Limits the server enforces (clients may check early). ----
export const Limits = {
  identityMaxLength: 128,
  passwordMinLength: 8,
  passwordMaxLength: 1024,
  searchMaxIdentities: 50,
  cardSnapshotMaxBytes: 4096,
  cardMaxSignatures: 8,
  /** Active cards (devices) per identity; superseding a card does not count as a new one. */
  activeCardsPerIdentity: 50,
  prekeyBatchMax: 200,
  oneTimePrekeysMaxStored: 1000,
  /** A signed prekey older than this is refused on upload. */
  signedPrekeyMaxAgeMs: 30 * 24 * 3600 * 1000,
  /** Allowed clock skew for `createdAt` in the future. */
  clockSkewMs: 5 * 60 * 1000,
  backupMaxBytes: 256 * 1024,
  envelopeMaxBytes: 64 * 1024,
  mailboxMaxEnvelopes: 1000,
  mailboxMaxPerSender: 100,
  mailboxTtlMs: 30 * 24 * 3600 * 1000,
  mailboxFetchMax: 500,
  mailboxAckMax: 500,
  archiveBlobMaxBytes: 256 * 1024,
  archiveFetchMax: 500,
} as const;

// ---- App and accounts ----
export interface AppInfo {
  appId: string;
  /** base64 of virgil-crypto's `exportPublicKey` (the form virgil-sdk whitelists take). */
  appPublicKey: string;
}
export interface CreateAccountRequest {
  identity: string;
  password: string;
  invite?: string;
}
export interface CreateAccountResponse {
  identity: string;
}
export interface SessionRequest {
  identity: string;
  password: string;
}
export interface SessionResponse {
  /** Virgil JWT: send as `Authorization: Virgil <token>`. */
  token: string;
  /** ms since epoch. */
  expiresAt: number;
}

// ---- Cards v5 (virgil-sdk 6.2 CardClient wire format) ----
export interface RawSignatureJson {
  signer: string;
  /** base64 */
  signature: string;
  /** base64 of extra signed data, if any */
  snapshot?: string;
}
export interface RawSignedModelJson {
  /** base64 of the UTF-8 JSON card content */
  content_snapshot: string;
  signatures: RawSignatureJson[];
}
/** The decoded `content_snapshot` of a card (virgil-sdk `generateRawSigned`). */
export interface CardContent {
  identity: string;
  public_key: string;
  version: string;
  /** seconds since epoch */
  created_at: number;
  previous_card_id?: string;
}
export interface SearchCardsRequest {
  identities: string[];
}

// ---- Prekeys ----
export interface Prekey {
  /** uint32 chosen by the owner */
  keyId: number;
  /** base64 of the 32-byte raw X25519 public key */
  publicKey: string;
  /** ms since epoch */
  createdAt: number;
  /** base64 of virgil `calculateSignature(prekeySignedBytes(...), cardPrivateKey)` */
  signature: string;
}
export interface UploadPrekeysRequest {
  signedPrekey?: Prekey;
  oneTimePrekeys?: Prekey[];
}
export interface UploadPrekeysResponse {
  oneTimeCount: number;
}
export interface PrekeyStatus {
  oneTimeCount: number;
  signedPrekey: { keyId: number; createdAt: number } | null;
}
export interface ClaimPrekeysRequest {
  identity: string;
  /**
   * Only these cards of `identity` (1-50 unique card ids). Without it: every active card that has a
   * signed prekey. Listed ids that are not claimable cards of `identity` are left out of the answer.
   */
  cardIds?: string[];
}
export interface PrekeyBundle {
  cardId: string;
  identity: string;
  signedPrekey: Prekey;
  oneTimePrekey: Prekey | null;
}
export interface ClaimPrekeysResponse {
  bundles: PrekeyBundle[];
}

export const PrekeyKind = { Signed: 1, OneTime: 2 } as const;
export type PrekeyKind = (typeof PrekeyKind)[keyof typeof PrekeyKind];

const PREKEY_DOMAIN = 'overcrypt/prekey/v1';

/**
 * The bytes a prekey signature covers:
 * UTF-8 "overcrypt/prekey/v1" || 0x00 || kind (1 signed, 2 one-time) || cardId (32 bytes)
 * || keyId (u32 BE) || createdAt (u64 BE, ms) || publicKey (32 bytes).
 * Binding the card id and kind stops a signature being replayed for another card or role.
 */
export function prekeySignedBytes(
  kind: PrekeyKind,
  cardId: string,
  keyId: number,
  createdAt: number,
  publicKey: Uint8Array,
): Uint8Array {
  if (kind !== PrekeyKind.Signed && kind !== PrekeyKind.OneTime) throw new RangeError('prekey kind must be 1 or 2');
  const card = hexToBytes(cardId);
  if (card.length !== 32) throw new RangeError('cardId must be 64 hex characters');
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) throw new RangeError('keyId must be a uint32');
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) throw new RangeError('createdAt must be a non-negative integer');
  if (publicKey.length !== 32) throw new RangeError('publicKey must be 32 bytes');
  const domain = new TextEncoder().encode(PREKEY_DOMAIN);
  const out = new Uint8Array(domain.length + 1 + 1 + 32 + 4 + 8 + 32);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(domain, at);
  at += domain.length;
  out[at++] = 0;
  out[at++] = kind;
  out.set(card, at);
  at += 32;
  view.setUint32(at, keyId, false);
  at += 4;
  view.setBigUint64(at, BigInt(createdAt), false);
  at += 8;
  out.set(publicKey, at);
  return out;
}

// ---- Backup ----
export interface BackupResponse {
  version: number;
  /** opaque base64 */
  blob: string;
}
export interface PutBackupRequest {
  blob: string;
}
export interface PutBackupResponse {
  version: number;
}

// ---- Mailbox ----
export interface PostEnvelopeRequest {
  senderCardId: string;
  /** per-sender sequence number (non-negative integer), so recipients can see gaps */
  seq: number;
  /** opaque base64 */
  envelope: string;
}
export interface PostEnvelopeResponse {
  id: string;
}
export interface MailboxEnvelope {
  /** decimal string, increasing in arrival order; pass as `after` to page */
  id: string;
  senderIdentity: string;
  senderCardId: string;
  seq: number;
  envelope: string;
  /** ms since epoch */
  createdAt: number;
}
export interface FetchMailboxResponse {
  envelopes: MailboxEnvelope[];
}
export interface AckRequest {
  ids: string[];
}
export interface AckResponse {
  acked: number;
}

// ---- Org archive ----
export interface ArchiveRequest {
  conversationId: string;
  messageDigest: string;
  /** opaque base64, encrypted to the org card by the client */
  blob: string;
}
export interface ArchiveEntry {
  id: string;
  conversationId: string;
  messageDigest: string;
  blob: string;
  authorIdentity: string;
  createdAt: number;
}
export interface ArchiveResponse {
  entries: ArchiveEntry[];
}

// ---- Identities ----
/**
 * The canonical form of an identity: trimmed, lower-case, printable ASCII without spaces,
 * 1..128 characters. Returns null when the input cannot be an identity. The server stores
 * and matches identities in this form only; clients normalise before searching.
 */
export function normaliseIdentity(input: string): string | null {
  const value = input.trim().toLowerCase();
  if (value.length === 0 || value.length > Limits.identityMaxLength) return null;
  return /^[\x21-\x7e]+$/.test(value) ? value : null;
}

// ---- Tiny encoding helpers ----
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Canonical padded base64 (what virgil-crypto and Buffer produce). */
export function isBase64(value: string): boolean {
  return BASE64_RE.test(value);
}

/** Decoded length of a string that passed `isBase64`. */
export function base64DecodedLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

export const CARD_ID_RE = /^[0-9a-f]{64}$/;

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
