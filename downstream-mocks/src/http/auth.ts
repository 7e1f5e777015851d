import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { HttpError } from './errors.ts';

/** Tokens carrying this scope may read any user's data (service-to-service calls). */
export const SERVICE_SCOPE = 'concierge:service';
/** The audience of development and service tokens (`POST /dev/token` without `aud`). */
export const TOKEN_AUDIENCE = 'concierge';
/** The audiences of the BFFs' access tokens, one per client of identity's OpenID provider. */
export const BFF_AUDIENCES = ['concierge-web', 'concierge-mobile', 'concierge-tv'] as const;
/** Every audience a downstream service accepts: any of them is a token meant for the platform. */
export const ACCEPTED_AUDIENCES: readonly string[] = [TOKEN_AUDIENCE, ...BFF_AUDIENCES];

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
export function createJwksVerifier(identityUrl: string, { maxCachedTokens = 10_000 } = {}): TokenVerifier {
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
        const { payload } = await jwtVerify(token, jwks, { issuer, audience: [...ACCEPTED_AUDIENCES] });
        if (typeof payload.sub !== 'string') throw unauthorized('INVALID_TOKEN', 'token has no subject');
        const principal: Principal = {
          sub: payload.sub,
          scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
        };
        if (cache.size >= maxCachedTokens) cache.clear();
        cache.set(token, { principal, expiresAtMs: (payload.exp ?? 0) * 1000 });
        return principal;
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('TOKEN_EXPIRED', 'token has expired');
        throw unauthorized('INVALID_TOKEN', 'token could not be verified');
      }
    },
  };
}

export function assertOwner(principal: Principal, userId: string): void {
  if (principal.sub === userId || principal.scopes.includes(SERVICE_SCOPE)) return;
  throw new HttpError(403, 'FORBIDDEN', "token may not read another user's data");
}
