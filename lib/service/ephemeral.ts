/**
 * Worker state that must survive a worker restart but not the browser: jobs and handles, page contexts.
 * In the worker it is chrome.storage.session (memory only, not readable by content scripts at the default access
 * level); tests use the in-memory one. Holds no plaintext and no keys.
 */
export interface EphemeralStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`. */
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
  async delete(key: string) {
    this.map.delete(key);
  }
  async keys(prefix: string) {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
  async clear() {
    this.map.clear();
  }
}
