/**
 * Virgil JWTs: issued by POST /v1/session (virgil-sdk JwtGenerator with the app key) and
 * verified on every authenticated request (JwtVerifier + expiry + our appId).
 * Verified tokens are cached until they expire, so a client's repeated requests cost one
 * map lookup instead of an Ed25519 verification.
 */
import { Jwt, JwtGenerator, JwtVerifier } from 'virgil-sdk';
import { VirgilAccessTokenSigner, type VirgilCrypto } from 'virgil-crypto';
import { ErrorCode, fail } from '../../lib/errors';
import type { AppIdentity } from './appIdentity';

export interface IssuedToken {
  token: string;
  /** ms since epoch */
  expiresAt: number;
}

export interface TokenIdentity {
  identity: string;
  expiresAt: number;
}

const MAX_TOKEN_LENGTH = 4096;
const CACHE_LIMIT = 50_000;

export class TokenService {
  private readonly generator: JwtGenerator;
  private readonly verifier: JwtVerifier;
  private readonly cache = new Map<string, TokenIdentity>();

  constructor(
    crypto: VirgilCrypto,
    private readonly app: AppIdentity,
    ttlMs: number,
    private readonly now: () => number,
  ) {
    const signer = new VirgilAccessTokenSigner(crypto);
    this.generator = new JwtGenerator({
      appId: app.appId, apiKeyId: app.apiKeyId, apiKey: app.privateKey, accessTokenSigner: signer, millisecondsToLive: ttlMs,
    });
    this.verifier = new JwtVerifier({ apiKeyId: app.apiKeyId, apiPublicKey: app.publicKey, accessTokenSigner: signer });
  }

  issue(identity: string): IssuedToken {
    const jwt = this.generator.generateToken(identity);
    return { token: jwt.toString(), expiresAt: (jwt.body.exp as number) * 1000 };
  }

  /** The identity a token proves; throws Unauthenticated or TokenExpired. */
  verify(token: string): TokenIdentity {
    const cached = this.cache.get(token);
    const known = cached ?? this.verifyUncached(token);
    if (known.expiresAt <= this.now()) {
      this.cache.delete(token);
      fail(ErrorCode.TokenExpired, 'access token expired');
    }
    if (!cached) this.remember(token, known);
    return known;
  }

  private verifyUncached(token: string): TokenIdentity {
    if (token.length > MAX_TOKEN_LENGTH) fail(ErrorCode.Unauthenticated, 'access token invalid');
    let jwt: Jwt;
    try {
      jwt = Jwt.fromString(token);
    } catch {
      fail(ErrorCode.Unauthenticated, 'access token malformed');
    }
    const body = jwt.body as { sub?: unknown; iss?: unknown; exp?: unknown };
    if (typeof body.sub !== 'string' || typeof body.iss !== 'string' || typeof body.exp !== 'number' ||
      typeof jwt.signature !== 'string' || jwt.signature.length > 1024) {
      fail(ErrorCode.Unauthenticated, 'access token malformed');
    }
    let valid = false;
    try {
      valid = this.verifier.verifyToken(jwt) && jwt.appId() === this.app.appId;
    } catch {
      valid = false;
    }
    if (!valid) fail(ErrorCode.Unauthenticated, 'access token invalid');
    let identity: string;
    try {
      identity = jwt.identity();
    } catch {
      fail(ErrorCode.Unauthenticated, 'access token malformed');
    }
    return { identity, expiresAt: body.exp * 1000 };
  }

  private remember(token: string, value: TokenIdentity): void {
    if (this.cache.size >= CACHE_LIMIT) {
      // Drop the oldest tenth; Map iterates in insertion order.
      let drop = CACHE_LIMIT / 10;
      for (const key of this.cache.keys()) {
        this.cache.delete(key);
        if (--drop <= 0) break;
      }
    }
    this.cache.set(token, value);
  }
}
