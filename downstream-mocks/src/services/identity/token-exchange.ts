import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { TOKEN_AUDIENCE } from '../../http/auth.ts';
import { DEVELOPMENT_ACTING_CLIENT, TOKEN_EXCHANGE_GRANT, audienceActedFor, serviceAudienceOf, serviceOfResource, serviceScopeOf } from './clients.ts';

/** RFC 8693 §3: the only token type exchanged here, and the only one issued. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface ExchangeOptions {
  /** The provider's signing key: the subject token must be one identity signed. */
  signingJwk: JWK;
  /** The expected `iss` of the subject token. */
  issuer: string;
  /** The most an exchanged token lives; never past its subject token's `exp`. */
  ttlSeconds: number;
  /** Development: `/dev/token`'s tokens (audience `concierge`) may be exchanged, as the BFFs take them there. */
  developmentTokens: boolean;
}

/** RFC 8693 §2.1's parameters. `actor_token` is read only to be refused: the authenticated client is the actor. */
const PARAMETERS = new Set(['subject_token', 'subject_token_type', 'resource', 'audience', 'scope', 'requested_token_type', 'actor_token', 'actor_token_type']);

/**
 * OAuth 2.0 Token Exchange (RFC 8693) as an oidc-provider grant (`provider.registerGrantType`;
 * the library has the extension point but no exchange of its own). A BFF, authenticated as its
 * confidential client, presents the viewer's access token (`subject_token`) and names one service
 * (`resource`, that service's audience); it gets a JWT access token for that service alone:
 * - `sub` the viewer, `aud` the service (`urn:concierge:service:<name>`), `scope`
 *   `concierge:<name>` (what was asked, if that), `act: { sub: <the BFF's client> }`;
 * - living `ttlSeconds` at most, and never longer than the subject token.
 *
 * The subject token must be identity's, unexpired, and for the BFF the client acts as (the web
 * client exchanges `concierge-web` tokens, `mobile-bff` the mobile app's `concierge-mobile`): a
 * BFF cannot turn another BFF's token, or a service's, into one of its own.
 */
export function tokenExchangeGrant(options: ExchangeOptions) {
  const { kty, n, e, kid, alg } = options.signingJwk;
  const keys = createLocalJWKSet({ keys: [{ kty, n, e, kid, alg, use: 'sig' }] });
  const issuer = options.issuer.replace(/\/$/, '');

  async function handler(ctx: KoaContextWithOIDC): Promise<void> {
    const { client, params, provider } = ctx.oidc;
    if (!client || !params) throw new errors.InvalidClient();
    const audiences = exchangeableAudiences(client.clientId, options.developmentTokens);
    if (audiences.length === 0) throw new errors.UnauthorizedClient(`client ${client.clientId} acts for no BFF`);
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    if (params.actor_token !== undefined) throw new errors.InvalidRequest('actor_token is not supported: the authenticated client is the actor');
    if (params.audience !== undefined) throw new errors.InvalidRequest('name the service with resource, not audience');
    const resource = typeof params.resource === 'string' ? params.resource : undefined;
    const service = resource === undefined ? undefined : serviceOfResource(resource);
    if (service === undefined) throw new errors.InvalidTarget('resource must name one service: urn:concierge:service:<name>');
    const allowedScope = serviceScopeOf(service);
    const asked = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [allowedScope];
    if (asked.length === 0 || asked.some((scope) => scope !== allowedScope)) throw new errors.InvalidScope(`the only scope for ${service} is ${allowedScope}`, params.scope as string);

    const subject = typeof params.subject_token === 'string' ? params.subject_token : '';
    let viewer: string;
    let expiresAt: number;
    try {
      const { payload } = await jwtVerify(subject, keys, { issuer, audience: audiences });
      if (typeof payload.sub !== 'string' || payload.exp === undefined) throw new Error('no subject or expiry');
      viewer = payload.sub;
      expiresAt = payload.exp;
    } catch {
      throw new errors.InvalidGrant('subject_token is invalid, expired, or not a token of the BFF this client acts for');
    }
    const ttl = Math.min(options.ttlSeconds, expiresAt - Math.floor(Date.now() / 1000));
    if (ttl < 1) throw new errors.InvalidGrant('subject_token expires now');

    const scope = allowedScope;
    // The typings ask for a grantId, which only stored (opaque) tokens use: a JWT access token is
    // never stored or looked up, so an exchange makes no Grant (one per exchange, kept 14 days).
    const fields = { accountId: viewer, client, scope, gty: 'token_exchange', expiresIn: ttl };
    const token = new provider.AccessToken(fields as unknown as ConstructorParameters<typeof provider.AccessToken>[0]);
    token.resourceServer = new provider.ResourceServer(serviceAudienceOf(service), {
      scope,
      audience: serviceAudienceOf(service),
      accessTokenFormat: 'jwt',
      accessTokenTTL: ttl,
      jwt: { sign: { alg: 'RS256' } },
    });
    ctx.oidc.entity('AccessToken', token);
    const value = await token.save();
    ctx.body = { access_token: value, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: ttl, scope };
  }

  return { handler, parameters: PARAMETERS };
}

/** The subject tokens' audiences `clientId` may exchange. */
function exchangeableAudiences(clientId: string, developmentTokens: boolean): string[] {
  const own = audienceActedFor(clientId);
  const development = developmentTokens ? [TOKEN_AUDIENCE] : [];
  if (own !== undefined) return [own, ...development];
  return clientId === DEVELOPMENT_ACTING_CLIENT ? development : [];
}

/** The `act` claim (RFC 8693 §4.1) of a token this request issues: the BFF acting for the viewer. */
export function actorClaim(ctx: KoaContextWithOIDC | undefined): { act: { sub: string } } | undefined {
  if (ctx?.oidc?.params?.grant_type !== TOKEN_EXCHANGE_GRANT || !ctx.oidc.client) return undefined;
  return { act: { sub: ctx.oidc.client.clientId } };
}
