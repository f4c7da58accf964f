/**
 * The vault: encryption at rest for every secret and every cached plaintext.
 *
 * - A random 256-bit data key (DEK) seals records with AES-256-GCM; AAD = "overcrypt/v1" \0 store \0 key, so a
 *   record moved to another key or store fails to open.
 * - The DEK is stored wrapped by a key-encryption key derived from the passphrase (lib/vault/kdf.ts); changing the
 *   passphrase rewraps the DEK and touches nothing else.
 * - Unlocked, the DEK lives in memory as a non-extractable CryptoKey and, raw, in a SessionKeyStore
 *   (chrome.storage.session in the worker: memory only, survives worker restarts, gone with the browser) so a
 *   restarted worker resumes without the passphrase. The passphrase itself is never kept.
 * - Auto-lock: `lastActivity` is kept beside the key; `resume()` (every wake) and `checkIdle()` (every wake and the
 *   alarm) lock when the idle time is over. Only user actions call `touch()`.
 *
 *   const vault = new Vault({ params: metaStore, session: sessionStore, clock });
 *   await vault.create('correct horse');          // first run: unlocked
 *   const rec = await vault.seal('sessions', 'bob', state);
 *   const back = await vault.open('sessions', 'bob', rec);
 */
import { ErrorCode, OvercryptError } from '../errors';
import type { SealedRecord } from '../storage/schema';
import { buf, fromBase64, randomBytes, toBase64, utf8 } from './bytes';
import { decodeValue, encodeValue } from './codec';
import { deriveKek, KDF_FLOOR, newKdfParams, type KdfFloor, type KdfParams } from './kdf';

export interface Clock {
  now(): number;
}

/** Where the unlocked key survives worker restarts. Never holds the passphrase. */
export interface SessionKeyStore {
  load(): Promise<SessionKeyState | undefined>;
  save(state: SessionKeyState): Promise<void>;
  clear(): Promise<void>;
}

export interface SessionKeyState {
  /** base64 of the raw 32-byte data key */
  key: string;
  /** clock ms of the last user activity */
  lastActivity: number;
}

/** The stored (non-secret) vault header: KDF parameters and the wrapped data key. */
export interface VaultHeader {
  v: 1;
  kdf: KdfParams;
  wrapped: { iv: string; ct: string };
  createdAt: number;
}

export interface VaultHeaderStore {
  get(): Promise<VaultHeader | undefined>;
  put(header: VaultHeader): Promise<void>;
}

export interface VaultOptions {
  header: VaultHeaderStore;
  session: SessionKeyStore;
  clock: Clock;
  /** Which KDF new vaults use and with what cost (tests lower the cost together with `floor`). */
  kdf?: { name?: KdfParams['name']; iterations?: number; memoryKiB?: number };
  floor?: KdfFloor;
}

export class InMemorySessionKeyStore implements SessionKeyStore {
  private state: SessionKeyState | undefined;
  async load() {
    return this.state ? { ...this.state } : undefined;
  }
  async save(state: SessionKeyState) {
    this.state = { ...state };
  }
  async clear() {
    this.state = undefined;
  }
}

const WRAP_AAD = utf8.encode('overcrypt/v1/vault-data-key');
/** Don't rewrite the session store on every request: activity is persisted at this granularity. */
const ACTIVITY_PERSIST_MS = 5_000;

export class Vault {
  private dek: CryptoKey | undefined;
  /** HMAC key for blinding record keys that would reveal metadata (derived from the data key). */
  private blindingKey: CryptoKey | undefined;
  private lastActivity = 0;
  private persistedActivity = 0;
  private readonly lockListeners = new Set<() => void>();

  constructor(private readonly options: VaultOptions) {}

  async isInitialised(): Promise<boolean> {
    return (await this.options.header.get()) !== undefined;
  }

  isUnlocked(): boolean {
    return this.dek !== undefined;
  }

  /** First run: a new data key, wrapped under the passphrase. Leaves the vault unlocked. */
  async create(passphrase: string): Promise<void> {
    if (await this.isInitialised()) throw new OvercryptError(ErrorCode.Conflict, 'the vault already exists');
    const raw = randomBytes(32);
    const kdf = newKdfParams(this.options.kdf?.name, this.options.kdf);
    await this.options.header.put(await this.wrap(raw, passphrase, kdf));
    await this.enter(raw);
  }

  async unlock(passphrase: string): Promise<void> {
    const header = await this.requireHeader();
    const kek = await deriveKek(passphrase, header.kdf, this.floor);
    let raw: Uint8Array;
    try {
      raw = await aesGcmDecrypt(kek, fromBase64(header.wrapped.iv), fromBase64(header.wrapped.ct), WRAP_AAD);
    } catch {
      throw new OvercryptError(ErrorCode.WrongPassword, 'wrong passphrase');
    } finally {
      kek.fill(0);
    }
    await this.enter(raw);
  }

  /** Rewraps the data key under a new passphrase (and current KDF defaults). */
  async changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    const header = await this.requireHeader();
    const kek = await deriveKek(oldPassphrase, header.kdf, this.floor);
    let raw: Uint8Array;
    try {
      raw = await aesGcmDecrypt(kek, fromBase64(header.wrapped.iv), fromBase64(header.wrapped.ct), WRAP_AAD);
    } catch {
      throw new OvercryptError(ErrorCode.WrongPassword, 'wrong passphrase');
    }
    const kdf = newKdfParams(this.options.kdf?.name ?? header.kdf.name, this.options.kdf);
    await this.options.header.put(await this.wrap(raw, newPassphrase, kdf));
    raw.fill(0);
  }

  /** Every wake: takes the key back from the session store unless the idle time ran out meanwhile. */
  async resume(autoLockMinutes: number): Promise<boolean> {
    if (this.dek) return !(await this.checkIdle(autoLockMinutes));
    const state = await this.options.session.load();
    if (!state) return false;
    if (this.idleExpired(state.lastActivity, autoLockMinutes)) {
      await this.lock();
      return false;
    }
    await this.installKeys(fromBase64(state.key));
    this.lastActivity = this.persistedActivity = state.lastActivity;
    return true;
  }

  /** Locks if unlocked and idle for longer than the limit; returns true when (now) locked. */
  async checkIdle(autoLockMinutes: number): Promise<boolean> {
    if (!this.dek) return true;
    if (!this.idleExpired(this.lastActivity, autoLockMinutes)) return false;
    await this.lock();
    return true;
  }

  /** A user action (popup, extension tab, typing in our compose frame). Page-driven requests never call this. */
  async touch(): Promise<void> {
    if (!this.dek) return;
    const now = this.options.clock.now();
    this.lastActivity = now;
    if (now - this.persistedActivity < ACTIVITY_PERSIST_MS) return;
    const state = await this.options.session.load();
    if (!state) return;
    await this.options.session.save({ ...state, lastActivity: now });
    this.persistedActivity = now;
  }

  async lock(): Promise<void> {
    const wasUnlocked = this.dek !== undefined;
    this.dek = undefined;
    this.blindingKey = undefined;
    await this.options.session.clear();
    if (wasUnlocked) for (const listener of this.lockListeners) listener();
  }

  onLock(listener: () => void): () => void {
    this.lockListeners.add(listener);
    return () => this.lockListeners.delete(listener);
  }

  async seal(store: string, key: string, value: unknown): Promise<SealedRecord> {
    const dek = this.requireKey();
    const iv = randomBytes(12);
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: recordAad(store, key) },
      dek,
      buf(encodeValue(value)),
    );
    return { v: 1, iv, ct: new Uint8Array(ct) };
  }

  async open<T>(store: string, key: string, record: SealedRecord): Promise<T> {
    const dek = this.requireKey();
    if (record?.v !== 1) throw new OvercryptError(ErrorCode.UnsupportedVersion, 'unknown sealed record version');
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: buf(record.iv), additionalData: recordAad(store, key) },
        dek,
        buf(record.ct),
      );
    } catch {
      throw new OvercryptError(ErrorCode.Tampered, `stored record ${store} could not be opened`);
    }
    return decodeValue<T>(new Uint8Array(plain));
  }

  /**
   * A stable, unguessable record key for a name that would reveal metadata in the clear (a conversation, a
   * contact): hex HMAC-SHA256 under a key derived from the data key. Same input, same output, while the vault lives.
   */
  async blindKey(label: string): Promise<string> {
    if (!this.blindingKey) throw new OvercryptError(ErrorCode.Locked, 'Overcrypt is locked');
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', this.blindingKey, buf(utf8.encode(label))));
    return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  private async installKeys(raw: Uint8Array): Promise<void> {
    this.dek = await importDek(raw);
    const base = await crypto.subtle.importKey('raw', buf(raw), 'HKDF', false, ['deriveKey']);
    this.blindingKey = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: buf(utf8.encode('overcrypt/v1/blind-record-keys')) },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
  }

  private get floor(): KdfFloor {
    return this.options.floor ?? KDF_FLOOR;
  }

  private idleExpired(lastActivity: number, autoLockMinutes: number): boolean {
    return this.options.clock.now() - lastActivity >= autoLockMinutes * 60_000;
  }

  private async enter(raw: Uint8Array): Promise<void> {
    const now = this.options.clock.now();
    await this.installKeys(raw);
    this.lastActivity = this.persistedActivity = now;
    await this.options.session.save({ key: toBase64(raw), lastActivity: now });
    raw.fill(0);
  }

  private async wrap(raw: Uint8Array, passphrase: string, kdf: KdfParams): Promise<VaultHeader> {
    const kek = await deriveKek(passphrase, kdf, this.floor);
    const iv = randomBytes(12);
    const ct = await aesGcmEncrypt(kek, iv, raw, WRAP_AAD);
    kek.fill(0);
    return { v: 1, kdf, wrapped: { iv: toBase64(iv), ct: toBase64(ct) }, createdAt: this.options.clock.now() };
  }

  private async requireHeader(): Promise<VaultHeader> {
    const header = await this.options.header.get();
    if (!header) throw new OvercryptError(ErrorCode.NotRegistered, 'no vault on this browser yet');
    return header;
  }

  private requireKey(): CryptoKey {
    if (!this.dek) throw new OvercryptError(ErrorCode.Locked, 'Overcrypt is locked');
    return this.dek;
  }
}

function recordAad(store: string, key: string): Uint8Array<ArrayBuffer> {
  return buf(utf8.encode(`overcrypt/v1\0${store}\0${key}`));
}

function importDek(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

async function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad: Uint8Array) {
  const k = await crypto.subtle.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(data)),
  );
}

async function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, aad: Uint8Array) {
  const k = await crypto.subtle.importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, k, buf(data)),
  );
}
