/** IndexedDB storage: schema + migrations, the encrypting keystore, the bounded message cache. */
export { openStorage, deleteStorage, type OvercryptDB, type OpenOptions } from './db';
export { Keystore, type Sealer, type Write, type RecordWrite, type CacheWrite } from './keystore';
export { MessageCache, ciphertextDigest, DEFAULT_CACHE_LIMIT, MARK_AGAIN_AFTER_MS, type CachedMessage } from './message-cache';
export { MetaStore } from './meta';
export * from './schema';
