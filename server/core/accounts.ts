/**
 * Accounts: registration (open / invite / closed) and password login that issues a JWT.
 * Failed logins are limited per identity and per client address; a limited key is refused
 * before the password is even checked, so guessing stops.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Limits, normaliseIdentity, type CreateAccountRequest, type SessionRequest } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { Repository } from '../storage/repository';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptCost } from './passwords';
import { WindowLimiter } from './rateLimit';
import type { IssuedToken, TokenService } from './tokens';

export type RegistrationMode = 'open' | 'invite' | 'closed';

export interface AccountsConfig {
  registration: RegistrationMode;
  scrypt?: ScryptCost;
  /** failed logins per identity per window (default 10 per 15 min) */
  loginFailuresPerIdentity?: number;
  /** failed logins per client address per window (default 100 per 15 min) */
  loginFailuresPerAddress?: number;
  loginWindowMs?: number;
  /** accounts created per client address per hour (default 100) */
  registrationsPerAddress?: number;
}

/** Invite codes are stored hashed: a database leak does not leak usable codes. */
export function hashInvite(code: string): string {
  return createHash('sha256').update(code.trim()).digest('hex');
}

export async function createInvite(repo: Repository, now: number, ttlMs: number | null): Promise<string> {
  const code = randomBytes(16).toString('base64url');
  await repo.createInvite(hashInvite(code), now, ttlMs === null ? null : now + ttlMs);
  return code;
}

export class AccountService {
  private readonly byIdentity: WindowLimiter;
  private readonly byAddress: WindowLimiter;
  private readonly registrations: WindowLimiter;
  private readonly scrypt: ScryptCost;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly tokens: TokenService,
    private readonly config: AccountsConfig,
    private readonly now: () => number,
  ) {
    const windowMs = config.loginWindowMs ?? 15 * 60_000;
    this.byIdentity = new WindowLimiter(config.loginFailuresPerIdentity ?? 10, windowMs, now);
    this.byAddress = new WindowLimiter(config.loginFailuresPerAddress ?? 100, windowMs, now);
    this.registrations = new WindowLimiter(config.registrationsPerAddress ?? 100, 3_600_000, now);
    this.scrypt = config.scrypt ?? DEFAULT_SCRYPT;
  }

  /** `address` is the client's network address: account creation (a memory-hard hash) is limited per address. */
  async register(req: CreateAccountRequest, address: string): Promise<{ identity: string }> {
    if (this.config.registration === 'closed') fail(ErrorCode.Forbidden, 'registration is closed on this directory');
    if (this.registrations.isExhausted(address)) fail(ErrorCode.RateLimited, 'too many accounts created from this address');
    const identity = normaliseIdentity(req.identity);
    if (identity === null) {
      fail(ErrorCode.Malformed, `identity must be 1-${Limits.identityMaxLength} printable ASCII characters without spaces`);
    }
    checkPassword(req.password);
    let inviteHash: string | undefined;
    if (this.config.registration === 'invite') {
      if (!req.invite) fail(ErrorCode.Forbidden, 'registration needs an invite code');
      inviteHash = hashInvite(req.invite);
    }
    this.registrations.hit(address);
    const passwordHash = await hashPassword(req.password, this.scrypt);
    const result = await this.repo.createAccount({ identity, passwordHash, createdAt: this.now() }, inviteHash);
    if (result === 'taken') fail(ErrorCode.Conflict, 'identity already registered');
    if (result === 'bad-invite') fail(ErrorCode.Forbidden, 'invite code unknown, used or expired');
    return { identity };
  }

  async login(req: SessionRequest, address: string): Promise<IssuedToken> {
    const identity = normaliseIdentity(req.identity) ?? '';
    const identityKey = `id:${identity}`;
    if (this.byIdentity.isExhausted(identityKey) || this.byAddress.isExhausted(address)) {
      fail(ErrorCode.RateLimited, 'too many failed logins; try again later');
    }
    const account = identity ? await this.repo.getAccount(identity) : null;
    // Unknown identities cost a hash too, so timing does not reveal which accounts exist.
    const ok = account
      ? await verifyPassword(req.password, account.passwordHash)
      : (await verifyPassword(req.password, await this.dummy()), false);
    if (!ok || !account) {
      this.byIdentity.hit(identityKey);
      this.byAddress.hit(address);
      fail(ErrorCode.WrongPassword, 'wrong identity or password');
    }
    this.byIdentity.reset(identityKey);
    return this.tokens.issue(account.identity);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.scrypt);
    return this.dummyHash;
  }
}

function checkPassword(password: string): void {
  if (password.length < Limits.passwordMinLength) {
    fail(ErrorCode.Malformed, `password must have at least ${Limits.passwordMinLength} characters`);
  }
  if (password.length > Limits.passwordMaxLength) fail(ErrorCode.TooLarge, 'password too long');
}
