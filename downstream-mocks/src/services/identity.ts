import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { TOKEN_AUDIENCE } from '../http/auth.ts';
import { USER_COUNT, userNumber } from '../data/users.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { requireObject } from '../http/validate.ts';
import type { ServiceDeps } from './context.ts';

const ALG = 'RS256';
const MAX_TTL_SECONDS = 24 * 3600;
/**
 * A subject that starts with `u_` names a user, and users are `u_1`…`u_1000`: a token for one
 * that does not exist would be refused downstream field by field (four 404s in one home), so it
 * is not minted. Other subjects (`bff-web`, `svc`) are services, minted as they are.
 */
const USER_SUBJECT = /^u_/;

/**
 * The token issuer. The key pair is made at start-up: tokens are meant to live only as long as
 * the mocks do. Token minting is a development aid and does not exist when NODE_ENV=production.
 */
export async function identityRoutes({ env, identityUrl }: ServiceDeps): Promise<RouteDefinition[]> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = 'concierge-dev-1';
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  const production = env.NODE_ENV === 'production';

  const routes: RouteDefinition[] = [
    { method: 'GET', path: '/.well-known/jwks.json', public: true, handler: () => ({ keys: [jwk] }) },
    {
      method: 'GET',
      path: '/.well-known/openid-configuration',
      public: true,
      handler: () => ({
        issuer: identityUrl(),
        jwks_uri: `${identityUrl()}/.well-known/jwks.json`,
        token_endpoint: `${identityUrl()}/dev/token`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [ALG],
        scopes_supported: ['openid', 'concierge:service'],
      }),
    },
  ];
  if (production) return routes;

  routes.push({
    method: 'POST',
    path: '/dev/token',
    public: true,
    handler: async ({ body }) => {
      const input = requireObject(body);
      const { sub, scope, ttlSeconds = 3600 } = input;
      if (typeof sub !== 'string' || !/^[\w.:-]{1,64}$/.test(sub)) {
        throw badRequest('VALIDATION_FAILED', 'sub must be 1 to 64 letters, digits, "_", ".", ":" or "-"');
      }
      if (scope !== undefined && typeof scope !== 'string') throw badRequest('VALIDATION_FAILED', 'scope must be a string');
      if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < -3600 || ttlSeconds > MAX_TTL_SECONDS) {
        // A negative ttl mints an already-expired token, which tests of expiry need.
        throw badRequest('VALIDATION_FAILED', `ttlSeconds must be an integer from -3600 to ${MAX_TTL_SECONDS}`);
      }
      if (USER_SUBJECT.test(sub) && userNumber(sub) === undefined) {
        throw new HttpError(404, 'USER_NOT_FOUND', `user ${sub} does not exist: users are u_1…u_${USER_COUNT}`);
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const token = await new SignJWT(scope ? { scope } : {})
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setIssuer(identityUrl())
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt(Math.min(nowSeconds, nowSeconds + ttlSeconds - 1))
        .setExpirationTime(nowSeconds + ttlSeconds)
        .sign(privateKey);
      return { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds };
    },
  });
  return routes;
}

