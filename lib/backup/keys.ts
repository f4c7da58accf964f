/** Between key pairs and backup contents. Private key bytes are secrets: callers should drop them soon. */
import { exportPrivateKeyBytes, importPrivateKeyBytes, type KeyPair } from '../cards';
import type { BackupContents } from './backup-blob';

export interface BackupKeys {
  identity: string;
  identityKey: KeyPair;
  devices: { cardId: string; key: KeyPair }[];
  historyKey?: Uint8Array;
}

export function backupContentsFromKeys(keys: BackupKeys, now: number): BackupContents {
  return {
    identity: keys.identity,
    identityKey: exportPrivateKeyBytes(keys.identityKey.privateKey),
    devices: keys.devices.map((d) => ({ cardId: d.cardId, privateKey: exportPrivateKeyBytes(d.key.privateKey) })),
    ...(keys.historyKey ? { historyKey: keys.historyKey } : {}),
    createdAt: now,
  };
}

/** Imports the keys (validating their shape); throws `Malformed` for anything that is not an Ed25519 key. */
export function keysFromBackupContents(contents: BackupContents): BackupKeys {
  return {
    identity: contents.identity,
    identityKey: importPrivateKeyBytes(contents.identityKey),
    devices: contents.devices.map((d) => ({ cardId: d.cardId, key: importPrivateKeyBytes(d.privateKey) })),
    ...(contents.historyKey ? { historyKey: contents.historyKey } : {}),
  };
}
