/**
 * The server's app key (Ed25519, virgil-crypto): co-signs every card as `app` and signs JWTs.
 * Created on first start in a file with mode 0600, or supplied as base64 in OVERCRYPT_APP_KEY.
 * appId is derived from the public key, so key and id cannot disagree.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { VirgilCrypto, VirgilPrivateKey, VirgilPublicKey } from 'virgil-crypto';

export interface AppIdentity {
  appId: string;
  /** `kid` of the JWTs this server issues. */
  apiKeyId: string;
  privateKey: VirgilPrivateKey;
  publicKey: VirgilPublicKey;
  /** base64 of `exportPublicKey`, the form virgil-sdk whitelists take. */
  publicKeyBase64: string;
}

export interface AppKeySource {
  /** base64 private key (OVERCRYPT_APP_KEY); wins over the file. */
  envKey?: string;
  path: string;
}

export function loadAppIdentity(crypto: VirgilCrypto, source: AppKeySource): AppIdentity {
  const base64 = source.envKey?.trim() || readOrCreateKeyFile(crypto, source.path);
  let privateKey: VirgilPrivateKey;
  try {
    privateKey = crypto.importPrivateKey(Buffer.from(base64, 'base64'));
  } catch {
    throw new Error(`app key is not a virgil-crypto private key (${source.envKey ? 'OVERCRYPT_APP_KEY' : source.path})`);
  }
  const publicKey = crypto.extractPublicKey(privateKey);
  const exported = crypto.exportPublicKey(publicKey);
  const appId = createHash('sha256').update(exported).digest('hex').slice(0, 32);
  return {
    appId,
    apiKeyId: Buffer.from(publicKey.identifier).toString('hex'),
    privateKey,
    publicKey,
    publicKeyBase64: exported.toString('base64'),
  };
}

function readOrCreateKeyFile(crypto: VirgilCrypto, path: string): string {
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`app key file ${path} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
    }
    return readFileSync(path, 'utf8').trim();
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const keyPair = crypto.generateKeys();
  const base64 = crypto.exportPrivateKey(keyPair.privateKey).toString('base64');
  // 'wx' fails if another process created it meanwhile: then we read theirs.
  try {
    writeFileSync(path, base64 + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw e;
  }
  chmodSync(path, 0o600); // umask cannot widen it, but be explicit
  return base64;
}
