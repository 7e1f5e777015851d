import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE } from '../../http/auth.ts';
import { USER_COUNT, userNumber } from '../../data/users.ts';
import { badRequest, HttpError } from '../../http/errors.ts';
import type { RouteDefinition } from '../../http/router.ts';
import { requireObject } from '../../http/validate.ts';
import { CLIENT_IDS, SERVICE_NAMES, audienceOf, isClientId, serviceAudienceOf, serviceScopeOf } from './clients.ts';
import { SIGNING_ALG, type SigningKey } from './keys.ts';

const MAX_TTL_SECONDS = 24 * 3600;
/**
 * A subject that starts with `u_` names a user, and users are `u_1`…`u_1000`: a token for one
 * that does not exist would be refused downstream field by field (four 404s in one home), so it
 * is not minted. Other subjects (`bff-web`, `svc`) are services, minted as they are.
 */
const USER_SUBJECT = /^u_/;

/**
 * `POST /dev/token`: mints a token without a sign-in, for development and tests only (the caller
 * does not exist under NODE_ENV=production). Signed with the provider's key, so it verifies
 * against the same JWKS. Without `aud` it is a platform token (`concierge`); with `aud` `web`,
 * `mobile` or `tv` it has the audience of that BFF's access tokens (`concierge-web`…), as if the
 * provider had issued it. With `aud` a service's name, or a list of them, it is a token for those
 * services (`urn:concierge:service:<name>`, with each one's scope `concierge:<name>`), as a token
 * exchange would give, for calling the services directly in tests.
 */
export function devTokenRoute(key: SigningKey, issuer: () => string): RouteDefinition {
  return {
    method: 'POST',
    path: '/dev/token',
    public: true,
    handler: async ({ body }) => {
      const input = requireObject(body);
      const { sub, scope, ttlSeconds = 3600, aud } = input;
      if (typeof sub !== 'string' || !/^[\w.:-]{1,64}$/.test(sub)) {
        throw badRequest('VALIDATION_FAILED', 'sub must be 1 to 64 letters, digits, "_", ".", ":" or "-"');
      }
      if (scope !== undefined && typeof scope !== 'string') throw badRequest('VALIDATION_FAILED', 'scope must be a string');
      if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < -3600 || ttlSeconds > MAX_TTL_SECONDS) {
        // A negative ttl mints an already-expired token, which tests of expiry need.
        throw badRequest('VALIDATION_FAILED', `ttlSeconds must be an integer from -3600 to ${MAX_TTL_SECONDS}`);
      }
      const services = (Array.isArray(aud) ? aud : [aud]).filter((name): name is string => SERVICE_NAMES.includes(name as never));
      const forServices = aud !== undefined && services.length > 0 && services.length === (Array.isArray(aud) ? aud.length : 1);
      if (aud !== undefined && !isClientId(aud) && !forServices) {
        throw badRequest(
          'VALIDATION_FAILED',
          `aud must be one of ${CLIENT_IDS.join(', ')} (a BFF's audience, concierge-<aud>), a service's name (${SERVICE_NAMES.join(', ')}) or a list of them, or omitted for ${TOKEN_AUDIENCE}`,
        );
      }
      if (USER_SUBJECT.test(sub) && userNumber(sub) === undefined) {
        throw new HttpError(404, 'USER_NOT_FOUND', `user ${sub} does not exist: users are u_1…u_${USER_COUNT}`);
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const scopes = [...(scope ? [scope] : []), ...(forServices ? services.map(serviceScopeOf) : [])].join(' ');
      const audience = forServices ? services.map(serviceAudienceOf) : aud === undefined ? TOKEN_AUDIENCE : audienceOf(aud as (typeof CLIENT_IDS)[number]);
      const token = await new SignJWT(scopes ? { scope: scopes } : {})
        .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer())
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt(Math.min(nowSeconds, nowSeconds + ttlSeconds - 1))
        .setExpirationTime(nowSeconds + ttlSeconds)
        .sign(key.privateKey);
      return { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds };
    },
  };
}
