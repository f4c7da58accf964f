/**
 * Password-protected backup of a user's private keys (seeds 000, 003).
 *
 * Contents: the identity key and the device keys (PKCS#8 bytes), with a slot for a
 * later history key. Sealed with AES-256-GCM (WebCrypto, same in Node 20 and the
 * service worker) under keys derived from the backup password with Argon2id.
 *
 * Blob (what the directory stores, base64 of UTF-8 JSON):
 *   { format: "overcrypt-backup", v: 1, identity, version, kdf: Argon2Params,
 *     check: base64(16), nonce: base64(12), ciphertext: base64 }
 * Keys: m = Argon2id(password, kdf); encKey = HKDF-SHA256(m, info "overcrypt/backup/v1/enc"),
 *   check = HKDF-SHA256(m, info "overcrypt/backup/v1/check")[0..16]. The check value tells
 *   a wrong password (`WrongPassword`) from a blob altered after sealing (`Tampered`); it
 *   gives an attacker nothing the ciphertext would not (each guess still costs an Argon2id).
 * Associated data: "overcrypt/backup/v1" 0x00 || u8 v || u64 version || str identity || JSON(kdf)
 *   so identity, version and KDF parameters cannot be swapped without detection.
 * Anti-rollback: `version` only grows; the caller passes the last version it saw and an
 *   older blob is refused (`BackupRollback`).
 */
import { ByteReader, ByteWriter } from '../encoding/binary';
import { ErrorCode, OvercryptError, fail } from '../errors';
import { constantTimeEqual, decodeBase64, encodeBase64, fromUtf8, utf8 } from '../cards/bytes';
import { isValidIdentity } from '../cards';
import { checkArgon2Params, deriveBackupKeyMaterial, newArgon2Params, toArrayBuffer, type Argon2Params } from './kdf';

export const BACKUP_FORMAT = 'overcrypt-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** The directory refuses bigger blobs (lib/directory/wire.ts Limits.backupMaxBytes). */
export const MAX_BACKUP_BLOB_CHARS = 256 * 1024;
const MAX_DEVICES = 64;

export interface BackupContents {
  identity: string;
  /** identity private key, PKCS#8 bytes */
  identityKey: Uint8Array;
  devices: { cardId: string; privateKey: Uint8Array }[];
  /** reserved for the history key (later); round-trips when present */
  historyKey?: Uint8Array;
  createdAt: number;
}

interface BlobJson {
  format: string;
  v: number;
  identity: string;
  version: number;
  kdf: Argon2Params;
  check: string;
  nonce: string;
  ciphertext: string;
}

export interface SealOptions {
  /** monotonic backup version; must be greater than any version uploaded before */
  version: number;
  /** defaults to fresh minimum-cost Argon2id params with a random salt */
  kdf?: Argon2Params;
}

export interface OpenOptions {
  identity: string;
  /** last backup version this device saw (0 if none): older blobs are refused */
  lastSeenVersion: number;
}

export async function sealBackup(contents: BackupContents, password: string, options: SealOptions): Promise<string> {
  if (!isValidIdentity(contents.identity)) fail(ErrorCode.Malformed, 'identity');
  if (!Number.isSafeInteger(options.version) || options.version < 1) fail(ErrorCode.Malformed, 'backup version');
  const kdf = options.kdf ?? newArgon2Params();
  checkArgon2Params(kdf);
  const keys = await deriveKeys(password, kdf);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ad = associatedData(contents.identity, options.version, kdf);
  const plaintext = encodeContents(contents);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: toArrayBuffer(ad) }, keys.enc, toArrayBuffer(plaintext)),
  );
  plaintext.fill(0);
  const json: BlobJson = {
    format: BACKUP_FORMAT, v: BACKUP_FORMAT_VERSION, identity: contents.identity, version: options.version, kdf,
    check: encodeBase64(keys.check), nonce: encodeBase64(nonce), ciphertext: encodeBase64(ciphertext),
  };
  return encodeBase64(utf8(JSON.stringify(json)));
}

/** Reads the blob's public fields without the password (version, identity, KDF), checking KDF minimums. */
export function inspectBackup(blob: string): { identity: string; version: number; kdf: Argon2Params } {
  const json = parseBlob(blob);
  return { identity: json.identity, version: json.version, kdf: json.kdf };
}

export async function openBackup(blob: string, password: string, options: OpenOptions): Promise<BackupContents> {
  const json = parseBlob(blob);
  if (json.identity !== options.identity) fail(ErrorCode.Tampered, 'backup belongs to another identity');
  if (json.version < options.lastSeenVersion) {
    fail(ErrorCode.BackupRollback, `backup version ${json.version} is older than ${options.lastSeenVersion}`, { version: json.version, lastSeen: options.lastSeenVersion });
  }
  const keys = await deriveKeys(password, json.kdf);
  const check = decodeBase64(json.check, 16);
  if (!check || !constantTimeEqual(check, keys.check)) fail(ErrorCode.WrongPassword, 'wrong backup password');
  const nonce = decodeBase64(json.nonce, 12);
  const ciphertext = decodeBase64(json.ciphertext, undefined, MAX_BACKUP_BLOB_CHARS);
  if (!nonce || !ciphertext) fail(ErrorCode.Malformed, 'backup nonce/ciphertext');
  let plaintext: Uint8Array;
  try {
    const ad = associatedData(options.identity, json.version, json.kdf);
    plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: toArrayBuffer(nonce), additionalData: toArrayBuffer(ad) }, keys.enc, toArrayBuffer(ciphertext)));
  } catch {
    fail(ErrorCode.Tampered, 'backup failed authentication');
  }
  const contents = decodeContents(plaintext);
  plaintext.fill(0);
  if (contents.identity !== options.identity) fail(ErrorCode.Tampered, 'backup contents name another identity');
  return contents;
}

/** Re-encrypts under a new password (fresh salt), as version lastSeen+1 or the blob's version+1. */
export async function changeBackupPassword(blob: string, oldPassword: string, newPassword: string, options: OpenOptions & { kdf?: Argon2Params }): Promise<{ blob: string; version: number }> {
  const contents = await openBackup(blob, oldPassword, options);
  const version = Math.max(inspectBackup(blob).version, options.lastSeenVersion) + 1;
  const sealed = await sealBackup(contents, newPassword, { version, ...(options.kdf ? { kdf: options.kdf } : {}) });
  return { blob: sealed, version };
}

function parseBlob(blob: string): BlobJson {
  if (typeof blob !== 'string' || blob.length > MAX_BACKUP_BLOB_CHARS) fail(ErrorCode.TooLarge, 'backup blob too large');
  const bytes = decodeBase64(blob, undefined, MAX_BACKUP_BLOB_CHARS);
  const text = bytes && fromUtf8(bytes);
  let json: Partial<BlobJson>;
  try {
    json = JSON.parse(text ?? '') as Partial<BlobJson>;
  } catch {
    fail(ErrorCode.Malformed, 'backup blob is not JSON');
  }
  if (!json || typeof json !== 'object' || json.format !== BACKUP_FORMAT) fail(ErrorCode.Malformed, 'not an Overcrypt backup');
  if (json.v !== BACKUP_FORMAT_VERSION) fail(ErrorCode.UnsupportedVersion, `backup format ${String(json.v)}`);
  if (!isValidIdentity(json.identity) || !Number.isSafeInteger(json.version) || (json.version as number) < 1) fail(ErrorCode.Malformed, 'backup identity/version');
  if (typeof json.check !== 'string' || typeof json.nonce !== 'string' || typeof json.ciphertext !== 'string') fail(ErrorCode.Malformed, 'backup fields');
  checkArgon2Params(json.kdf as Argon2Params);
  return json as BlobJson;
}

async function deriveKeys(password: string, kdf: Argon2Params): Promise<{ enc: CryptoKey; check: Uint8Array }> {
  const material = await deriveBackupKeyMaterial(password, kdf);
  const hkdf = await crypto.subtle.importKey('raw', toArrayBuffer(material), 'HKDF', false, ['deriveBits', 'deriveKey']);
  material.fill(0);
  const params = (info: string): HkdfParams => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: toArrayBuffer(utf8(info)) });
  const enc = await crypto.subtle.deriveKey(params('overcrypt/backup/v1/enc'), hkdf, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const check = new Uint8Array(await crypto.subtle.deriveBits(params('overcrypt/backup/v1/check'), hkdf, 128));
  return { enc, check };
}

function associatedData(identity: string, version: number, kdf: Argon2Params): Uint8Array {
  const kdfCanonical = JSON.stringify({ algorithm: kdf.algorithm, memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, salt: kdf.salt });
  return new ByteWriter()
    .bytes(utf8('overcrypt/backup/v1\0'))
    .u8(BACKUP_FORMAT_VERSION)
    .varint(version)
    .lenUtf8(identity)
    .lenUtf8(kdfCanonical)
    .finish();
}

/** Contents codec: u8 1 | str identity | varint createdAt | bytes identityKey | varint n | n × (str cardId | bytes key) | u8 hasHistory [| bytes historyKey] */
function encodeContents(c: BackupContents): Uint8Array {
  if (c.devices.length > MAX_DEVICES) fail(ErrorCode.TooLarge, 'too many device keys');
  const w = new ByteWriter().u8(1).lenUtf8(c.identity).varint(c.createdAt).lenBytes(c.identityKey).varint(c.devices.length);
  for (const d of c.devices) w.lenUtf8(d.cardId).lenBytes(d.privateKey);
  if (c.historyKey) w.u8(1).lenBytes(c.historyKey);
  else w.u8(0);
  return w.finish();
}

function decodeContents(bytes: Uint8Array): BackupContents {
  try {
    const r = new ByteReader(bytes);
    if (r.u8() !== 1) fail(ErrorCode.UnsupportedVersion, 'backup contents version');
    const identity = r.lenUtf8(256);
    const createdAt = r.varint();
    const identityKey = r.lenBytes(1024);
    const n = r.varint(MAX_DEVICES);
    const devices: BackupContents['devices'] = [];
    for (let i = 0; i < n; i++) devices.push({ cardId: r.lenUtf8(128), privateKey: r.lenBytes(1024) });
    const hasHistory = r.u8();
    const historyKey = hasHistory === 1 ? r.lenBytes(1024) : undefined;
    r.end();
    return { identity, createdAt, identityKey, devices, ...(historyKey ? { historyKey } : {}) };
  } catch (e) {
    if (e instanceof OvercryptError && e.code === ErrorCode.UnsupportedVersion) throw e;
    fail(ErrorCode.Malformed, 'backup contents');
  }
}
