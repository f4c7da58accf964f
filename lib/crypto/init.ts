/**
 * One place that initialises virgil-crypto's WASM and hands out the crypto object.
 * Node loads the WASM from the package; the extension bundle aliases `virgil-crypto`
 * to its browser build (wxt.config.ts) and passes `locateFile` with the extension
 * URL of the WASM file (entrypoints/background.ts).
 */
import { initCrypto, VirgilCrypto, KeyPairType, getFoundationModules } from 'virgil-crypto';

export interface CryptoInitOptions {
  /** Resolves the WASM file name to a URL; only needed in bundles. */
  locateFile?: (file: string) => string;
}

let instance: VirgilCrypto | undefined;
let ready: Promise<VirgilCrypto> | undefined;

/** Initialises once per process or worker start; later calls share the first. */
export function ensureCrypto(options: CryptoInitOptions = {}): Promise<VirgilCrypto> {
  ready ??= (async () => {
    const locateFile = options.locateFile;
    await initCrypto(locateFile ? { foundation: [{ locateFile }] } : undefined);
    instance = new VirgilCrypto({ defaultKeyPairType: KeyPairType.ED25519 });
    return instance;
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}

/** The crypto object; only valid after `ensureCrypto()` resolved. */
export function virgil(): VirgilCrypto {
  if (!instance) throw new Error('virgil-crypto used before ensureCrypto()');
  return instance;
}

/** virgil-crypto's untyped foundation modules; wrapped once, in primitives.ts. */
export function foundation(): Record<string, any> {
  return getFoundationModules() as Record<string, any>;
}
