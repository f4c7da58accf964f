/** The `meta` store: what must be readable before unlock (vault header, schema notes). Nothing secret. */
import type { OvercryptDB } from './db';

export class MetaStore {
  constructor(private readonly db: OvercryptDB) {}

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  async delete(key: string): Promise<void> {
    await this.db.delete('meta', key);
  }

  /** The vault header store (lib/vault/vault.ts VaultHeaderStore) backed by this store. */
  vaultHeader<T>() {
    return { get: () => this.get<T>('vault'), put: (h: T) => this.put('vault', h) };
  }
}
