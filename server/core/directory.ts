/**
 * The directory's core: every service wired to one repository, one app identity and one
 * clock. Knows nothing about HTTP (server/http is the only fastify code).
 */
import type { VirgilCrypto } from 'virgil-crypto';
import type { AppInfo } from '../../lib/directory/wire';
import type { Repository } from '../storage/repository';
import { AccountService, type AccountsConfig } from './accounts';
import type { AppIdentity } from './appIdentity';
import { ArchiveService } from './archive';
import { BackupService } from './backups';
import { CardService } from './cards';
import { MailboxService, type MailboxConfig } from './mailbox';
import { PrekeyService, type PrekeysConfig } from './prekeys';
import { TokenService } from './tokens';

export interface DirectoryConfig {
  accounts: AccountsConfig;
  prekeys?: PrekeysConfig;
  mailbox?: MailboxConfig;
  tokenTtlMs: number;
  adminToken: string | null;
}

export interface DirectoryDeps {
  crypto: VirgilCrypto;
  repo: Repository;
  app: AppIdentity;
  config: DirectoryConfig;
  now?: () => number;
}

export interface Directory {
  readonly appInfo: AppInfo;
  readonly repo: Repository;
  readonly tokens: TokenService;
  readonly accounts: AccountService;
  readonly cards: CardService;
  readonly prekeys: PrekeyService;
  readonly backups: BackupService;
  readonly mailbox: MailboxService;
  readonly archive: ArchiveService;
  /** Deletes expired envelopes and expired rate-limit windows; returns how many of each. */
  purgeExpired(): Promise<{ envelopes: number; rateWindows: number }>;
  /** Runs `purgeExpired` periodically; returns a stop function. */
  startMaintenance(intervalMs?: number): () => void;
}

export function createDirectory({ crypto, repo, app, config, now = Date.now }: DirectoryDeps): Directory {
  const tokens = new TokenService(crypto, app, config.tokenTtlMs, now);
  const cards = new CardService(crypto, repo, app, now);
  const mailbox = new MailboxService(repo, cards, config.mailbox ?? {}, now);
  const purgeExpired = async () => {
    const [envelopes, rateWindows] = await Promise.all([mailbox.purgeExpired(), repo.purgeExpiredWindows(now())]);
    return { envelopes, rateWindows };
  };
  return {
    appInfo: { appId: app.appId, appPublicKey: app.publicKeyBase64 },
    repo,
    tokens,
    accounts: new AccountService(repo, tokens, config.accounts, now),
    cards,
    prekeys: new PrekeyService(crypto, repo, cards, config.prekeys ?? {}, now),
    backups: new BackupService(repo, now),
    mailbox,
    archive: new ArchiveService(repo, config.adminToken, now),
    purgeExpired,
    startMaintenance(intervalMs = 10 * 60_000) {
      const timer = setInterval(() => void purgeExpired().catch(() => undefined), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
