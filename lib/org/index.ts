/** Org backup copy: re-encrypt decrypted messages to the policy-pinned org key; admin-side decrypt. */
export {
  pinnedOrgKey, makeArchiveEntry, openArchiveBlob, messageDigest, conversationKey, ARCHIVE_FORMAT_VERSION,
  type OrgPolicy, type ArchiveInput, type OpenedArchiveEntry,
} from './archive';
