/**
 * Worker state that must survive a worker restart but not the browser: jobs and handles, page contexts.
 * In the worker it is chrome.storage.session (memory only, not readable by content scripts at the default access
 * level); tests use the in-memory one. Holds no plaintext and no keys.
 */
export interface EphemeralStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  /** Several keys in one write (one storage call in the worker). */
  setMany(items: Record<string, unknown>): Promise<void>;
  delete(key: string): Promise<void>;
  /** Several keys in one removal. */
  deleteMany(keys: string[]): Promise<void>;
  /** Keys starting with `prefix`. Lists the whole area: not for per-request paths. */
  keys(prefix: string): Promise<string[]>;
  clear(): Promise<void>;
}

export class InMemoryEphemeralStore implements EphemeralStore {
  private readonly map = new Map<string, string>();
  async get<T>(key: string) {
    const v = this.map.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async set(key: string, value: unknown) {
    // JSON round trip, like chrome.storage: no shared references survive.
    this.map.set(key, JSON.stringify(value));
  }
  async setMany(items: Record<string, unknown>) {
    for (const [k, v] of Object.entries(items)) this.map.set(k, JSON.stringify(v));
  }
  async delete(key: string) {
    this.map.delete(key);
  }
  async deleteMany(keys: string[]) {
    for (const k of keys) this.map.delete(k);
  }
  async keys(prefix: string) {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
  async clear() {
    this.map.clear();
  }
}
