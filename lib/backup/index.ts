/** Password-protected key backup (Argon2id + AES-256-GCM), login/backup key separation, directory client. */
export {
  sealBackup, openBackup, inspectBackup, changeBackupPassword, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MAX_BACKUP_BLOB_CHARS,
  type BackupContents, type SealOptions, type OpenOptions,
} from './backup-blob';
export { deriveLoginPassword, deriveBackupKeyMaterial, newArgon2Params, checkArgon2Params, MIN_ARGON2, MAX_ARGON2, DEFAULT_ARGON2, type Argon2Params } from './kdf';
export { backupContentsFromKeys, keysFromBackupContents, type BackupKeys } from './keys';
export { BackupClient, type BackupClientOptions, type StoredBackup } from './backup-client';
