import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { HttpError } from './errors.ts';

/** Tokens carrying this scope may read any user's data (service-to-service calls). */
export const SERVICE_SCOPE = 'concierge:service';
/** The audience of development tokens (`POST /dev/token` without `aud`), which the BFFs take in development; no service does. */
export const TOKEN_AUDIENCE = 'concierge';
/** The audiences of the BFFs' access tokens, one per client of identity's OpenID provider; no service takes them. */
export const BFF_AUDIENCES = ['concierge-web', 'concierge-mobile', 'concierge-tv'] as const;

/** What a service accepts: tokens for its own audience carrying its own scope, and nothing else. */
export interface ServiceAudience {
  /** `urn:concierge:service:<name>`: the token's `aud` must hold it. */
  audience: string;
  /** `concierge:<name>`: the token's `scope` must hold it. */
  scope: string;
}

export interface Principal {
  sub: string;
  scopes: string[];
}

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<Principal>;
}

const unauthorized = (code: string, message: string) =>
  new HttpError(401, code, message, { 'www-authenticate': 'Bearer realm="concierge"' });

/**
 * Verifies bearer tokens against identity's JWKS. jose's remote JWKS caches keys and refetches
 * on an unknown `kid`. Verified tokens are also cached until they expire, because every mock
 * request carries one and real services do the same to keep signature checks off the hot path.
 */
export function createJwksVerifier(identityUrl: string, { audience, scope }: ServiceAudience, { maxCachedTokens = 10_000 } = {}): TokenVerifier {
  const issuer = identityUrl.replace(/\/$/, '');
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const cache = new Map<string, { principal: Principal; expiresAtMs: number }>();

  return {
    async verify(authorization) {
      const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
      if (!match) throw unauthorized('UNAUTHENTICATED', 'missing bearer token');
      const token = match[1]!;

      const cached = cache.get(token);
      if (cached && cached.expiresAtMs > Date.now()) return cached.principal;

      try {
        // Only this service's audience: a token for a BFF (a client's own) or for another
        // service is refused, so a token that leaks from one place opens nothing else.
        const { payload } = await jwtVerify(token, jwks, { issuer, audience });
        if (typeof payload.sub !== 'string') throw unauthorized('INVALID_TOKEN', 'token has no subject');
        const principal: Principal = {
          sub: payload.sub,
          scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
        };
        if (!principal.scopes.includes(scope)) throw unauthorized('INVALID_TOKEN', `token does not carry the scope ${scope}`);
        if (cache.size >= maxCachedTokens) cache.clear();
        cache.set(token, { principal, expiresAtMs: (payload.exp ?? 0) * 1000 });
        return principal;
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('TOKEN_EXPIRED', 'token has expired');
        if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') throw unauthorized('INVALID_TOKEN', `token is not for this service (its audience must be ${audience})`);
        throw unauthorized('INVALID_TOKEN', 'token could not be verified');
      }
    },
  };
}

export function assertOwner(principal: Principal, userId: string): void {
  if (principal.sub === userId || principal.scopes.includes(SERVICE_SCOPE)) return;
  throw new HttpError(403, 'FORBIDDEN', "token may not read another user's data");
}
