/**
 * Accounts: registration (open / invite / closed) and password login that issues a JWT.
 * Failed logins are limited per identity and per client address, registrations per address;
 * the counters live in the database (SharedWindowLimit), so every directory process on it
 * shares one budget. An attempt is counted before the password is checked (and given back if
 * it was right), so neither a limited key nor a burst of parallel guesses gets past the limit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Limits, normaliseIdentity, type CreateAccountRequest, type SessionRequest } from '../../lib/directory/wire';
import { ErrorCode, fail } from '../../lib/errors';
import type { Repository } from '../storage/repository';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptCost } from './passwords';
import { SharedWindowLimit, type Taken } from './rateLimit';
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
  private readonly failuresByIdentity: SharedWindowLimit;
  private readonly failuresByAddress: SharedWindowLimit;
  private readonly registrations: SharedWindowLimit;
  private readonly scrypt: ScryptCost;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly tokens: TokenService,
    private readonly config: AccountsConfig,
    private readonly now: () => number,
  ) {
    const windowMs = config.loginWindowMs ?? 15 * 60_000;
    this.failuresByIdentity = new SharedWindowLimit(repo, 'login-id', config.loginFailuresPerIdentity ?? 10, windowMs, now);
    this.failuresByAddress = new SharedWindowLimit(repo, 'login-addr', config.loginFailuresPerAddress ?? 100, windowMs, now);
    this.registrations = new SharedWindowLimit(repo, 'register-addr', config.registrationsPerAddress ?? 100, 3_600_000, now);
    this.scrypt = config.scrypt ?? DEFAULT_SCRYPT;
  }

  /** `address` is the client's network address: account creation (a memory-hard hash) is limited per address. */
  async register(req: CreateAccountRequest, address: string): Promise<{ identity: string }> {
    if (this.config.registration === 'closed') fail(ErrorCode.Forbidden, 'registration is closed on this directory');
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
    // Every well-formed attempt counts (a taken identity or a bad invite too): each costs a hash.
    if (!(await this.registrations.take(address))) fail(ErrorCode.RateLimited, 'too many accounts created from this address');
    const passwordHash = await hashPassword(req.password, this.scrypt);
    const result = await this.repo.createAccount({ identity, passwordHash, createdAt: this.now() }, inviteHash);
    if (result === 'taken') fail(ErrorCode.Conflict, 'identity already registered');
    if (result === 'bad-invite') fail(ErrorCode.Forbidden, 'invite code unknown, used or expired');
    return { identity };
  }

  async login(req: SessionRequest, address: string): Promise<IssuedToken> {
    const identity = normaliseIdentity(req.identity) ?? '';
    const byAddress = await this.takeLoginAttempt(identity, address);
    const account = identity ? await this.repo.getAccount(identity) : null;
    // Unknown identities cost a hash too, so timing does not reveal which accounts exist.
    const ok = account
      ? await verifyPassword(req.password, account.passwordHash)
      : (await verifyPassword(req.password, await this.dummy()), false);
    // A failure keeps both counted attempts: they are the failure record.
    if (!ok || !account) fail(ErrorCode.WrongPassword, 'wrong identity or password');
    await Promise.all([this.failuresByIdentity.reset(identity), this.failuresByAddress.giveBack(byAddress)]);
    return this.tokens.issue(account.identity);
  }

  /**
   * Counts the attempt against both limits before the password is checked; 429 when either is
   * used up. Returns the address's count, given back if the password is right.
   */
  private async takeLoginAttempt(identity: string, address: string): Promise<Taken> {
    const [byIdentity, byAddress] = await Promise.all([
      this.failuresByIdentity.take(identity),
      this.failuresByAddress.take(address),
    ]);
    if (byIdentity && byAddress) return byAddress;
    // A refused request is not a failure: give back whichever was taken.
    await Promise.all([
      byIdentity && this.failuresByIdentity.giveBack(byIdentity),
      byAddress && this.failuresByAddress.giveBack(byAddress),
    ]);
    fail(ErrorCode.RateLimited, 'too many failed logins; try again later');
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
