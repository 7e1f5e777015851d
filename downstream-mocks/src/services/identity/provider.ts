import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import Provider, { errors, type ClientMetadata, type Configuration, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { DEVICE_CODE_GRANT, DEVELOPMENT_ACTING_CLIENT, PUBLIC_SERVICES, SERVICE_NAMES, TOKEN_EXCHANGE_GRANT, USER_SCOPE, audienceActedFor, audienceOf, clientOfResource, isClientId, resourceOf, serviceAudienceOf, serviceOfResource, serviceScopeOf } from './clients.ts';
import { actorClaim, tokenExchangeGrant, type ExchangeOptions } from './token-exchange.ts';
import { devicePolling } from './device-polling.ts';
import { memoryAdapter } from './memory-adapter.ts';
import * as pages from './pages.ts';
import { userCodeThrottle, type UserCodeBudget } from './user-code-throttle.ts';

export interface ProviderOptions {
  issuer: string;
  /** The private signing JWK (RS256), shared with `/dev/token`. */
  signingJwk: JWK;
  clients: ClientMetadata[];
  findAccount: FindAccount;
  accessTokenTtlSeconds: number;
  devicePollIntervalSeconds: number;
  /** Wrong user codes an address may enter at the device page per window. */
  userCodeBudget: UserCodeBudget;
  /** The most a service token (token exchange, client credentials) lives. */
  serviceTokenTtlSeconds: number;
  /** Development: `/dev/token`'s tokens (audience `concierge`) may be exchanged too. */
  exchangeDevelopmentTokens: boolean;
}

/** The paths oidc-provider serves; identity registers each as a route (see provider-routes.ts). */
export const PROVIDER_ROUTES = {
  jwks: '/.well-known/jwks.json',
  authorization: '/auth',
  token: '/token',
  revocation: '/token/revocation',
  device_authorization: '/device/auth',
  code_verification: '/device',
  end_session: '/session/end',
} as const;

const SECONDS = { minute: 60, hour: 3600, day: 86_400 };

/**
 * The grant types the clients are registered for, counted by name. Any other value a client
 * sends is counted as `other` (and a missing one as `missing`): clients choose that text, so
 * it does not become a counter key of its own.
 */
const COUNTED_GRANTS: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token', DEVICE_CODE_GRANT, TOKEN_EXCHANGE_GRANT, 'client_credentials']);

/**
 * The OpenID provider (oidc-provider, a Koa app) with the platform's policy: PKCE S256 for every
 * client, JWT access tokens per BFF audience, rotating refresh tokens, the device flow, RP-initiated
 * and back-channel logout, revocation, and identity's own login pages (interactions.ts; the
 * library's development pages are off). Storage is in memory (memory-adapter.ts): sessions and
 * grants die with the mocks, as the signing key does.
 */
export function createProvider(options: ProviderOptions): OpenIdProvider {
  const throttle = userCodeThrottle(options.userCodeBudget, PROVIDER_ROUTES.code_verification);
  const provider = new Provider(options.issuer, configuration(options, throttle));
  // oidc-provider answers its own 500s (`server_error`) without logging them; the mock logs
  // them, as it logs its own.
  provider.on('server_error', (_ctx, error) => console.error('[identity] oidc-provider server error', error));
  const counters = new WeakMap<http.IncomingMessage, (key: string) => void>();
  provider.use(throttle.guard);
  provider.use(restartDeviceFlowWithoutSession);
  provider.use(countGrants(counters));
  provider.use(devicePolling(options.devicePollIntervalSeconds));
  const exchange: ExchangeOptions = { signingJwk: options.signingJwk, issuer: options.issuer, ttlSeconds: options.serviceTokenTtlSeconds, developmentTokens: options.exchangeDevelopmentTokens };
  const grant = tokenExchangeGrant(exchange);
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, grant.handler, grant.parameters);
  const callback = provider.callback();
  return {
    provider,
    async handle(req, res, countDetail) {
      counters.set(req, countDetail);
      await callback(req, res);
    },
  };
}

export interface OpenIdProvider {
  provider: Provider;
  /** Serves one request; `countDetail` counts the token endpoint's calls per grant type. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, countDetail: (key: string) => void): Promise<void>;
}

/** `POST /token` counted per grant type, failed calls included: "exactly one refresh reached the provider". */
function countGrants(counters: WeakMap<http.IncomingMessage, (key: string) => void>) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    try {
      await next();
    } finally {
      if (ctx.oidc?.route === 'token') {
        const grantType = ctx.oidc.params?.grant_type;
        const name = typeof grantType !== 'string' ? 'missing' : COUNTED_GRANTS.has(grantType) ? grantType : 'other';
        counters.get(ctx.req)?.(`grant_type=${name}`);
      }
    }
  };
}

/**
 * Works around oidc-provider 9.13: a device-flow page request without a session cookie (`POST
 * /device` from a stale form, `GET /device/{uid}` after the cookie expired) made it answer 500, as
 * its error page writes a form token into a session that was never stored and storing it then
 * throws. The browser is sent to `GET /device` instead, which starts a session and shows the code
 * form (prefilled with the code it posted, if any), so the user can go on.
 */
async function restartDeviceFlowWithoutSession(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  try {
    await next();
  } catch (error) {
    const route = ctx.oidc?.route;
    const unsaved = error instanceof TypeError && error.message.includes('previously persisted Sessions');
    if (!unsaved || (route !== 'code_verification' && route !== 'device_resume')) throw error;
    const userCode = ctx.oidc.params?.user_code;
    ctx.redirect(ctx.oidc.urlFor('code_verification', typeof userCode === 'string' ? { query: { user_code: userCode } } : {}));
    ctx.status = 303;
  }
}

function configuration(options: ProviderOptions, throttle: ReturnType<typeof userCodeThrottle>): Configuration {
  const ttl = options.accessTokenTtlSeconds;
  return {
    adapter: memoryAdapter(),
    clients: options.clients,
    jwks: { keys: [options.signingJwk] },
    findAccount: options.findAccount,
    // Fresh per start: cookies, like tokens, do not outlive the mocks.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: PROVIDER_ROUTES,
    scopes: ['openid', 'offline_access', 'profile', 'email', USER_SCOPE, ...SERVICE_NAMES.map(serviceScopeOf)],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    // PKCE for every client, confidential ones too (OAuth 2.1, RFC 9700); oidc-provider supports S256 only.
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the grant, without the `offline_access` +
    // `prompt=consent` ceremony: all clients are first-party BFFs and apps.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every use of a refresh token returns a new one; a second use of the old one is refused
    // and revokes the grant (oidc-provider's reuse detection).
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ttl,
      // A BFF's own token for a public service (its resource server's lifetime, the service tokens').
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? options.serviceTokenTtlSeconds,
      AuthorizationCode: SECONDS.minute,
      DeviceCode: 10 * SECONDS.minute,
      IdToken: SECONDS.hour,
      Interaction: SECONDS.hour,
      RefreshToken: 14 * SECONDS.day,
      Grant: 14 * SECONDS.day,
      Session: 14 * SECONDS.day,
    },
    // The authorization code flow only: no implicit or hybrid response types (OAuth 2.1).
    responseTypes: ['code'],
    // The methods the clients are registered with; discovery lists no others.
    clientAuthMethods: ['client_secret_basic', 'none'],
    // A token exchanged for a viewer names the BFF that asked as its actor (RFC 8693 §4.1).
    extraTokenClaims: async (ctx) => actorClaim(ctx),
    // Absolute on the host the browser used, as the provider's own redirects are (its cookies are that host's).
    interactions: { url: (ctx, interaction) => new URL(`/interaction/${interaction.uid}`, ctx.href).href },
    // Server-side BFFs and native apps make no cross-origin browser calls.
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      // Bearer tokens only: the downstream services verify a JWT, not a DPoP proof of possession.
      dPoP: { enabled: false },
      // Access tokens are for the APIs, not for a userinfo endpoint: the ID token carries the claims.
      userinfo: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // A BFF reads public data (catalog titles) as itself: see getResourceServerInfo.
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // A client revokes its own tokens only. A confidential client is told so (RFC 7009 §2.1);
        // a public one gets the usual 200, which tells it nothing about another client's token.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => void (ctx.body = pages.logoutPage(form)),
        postLogoutSuccessSource: (ctx) => void (ctx.body = pages.logoutSuccessPage()),
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, error) => {
          await throttle.noteCodeError(ctx, error);
          ctx.body = pages.deviceCodeInputPage(form, error && deviceErrorMessage(error));
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
          ctx.body = pages.deviceConfirmPage(form, client.clientName ?? client.clientId, userCode);
        },
        successSource: (ctx) => {
          ctx.body = pages.deviceSuccessPage(ctx.oidc.client?.clientName ?? 'Your device');
        },
      },
      resourceIndicators: {
        enabled: true,
        // Each client's tokens are for its own BFF audience unless it asks (for that same one).
        defaultResource: async (_ctx, client, oneOf) => oneOf?.[0] ?? (isClientId(client.clientId) ? resourceOf(client.clientId) : undefined),
        // Refresh and device grants keep the resource the authorization was for.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, client) => {
          const service = serviceOfResource(indicator);
          if (service !== undefined) {
            // A service's token for the BFF itself: only where the data is every viewer's (public).
            // A viewer's tokens for a service come from the token exchange (token-exchange.ts).
            const acting = audienceActedFor(client.clientId) !== undefined || client.clientId === DEVELOPMENT_ACTING_CLIENT;
            if (ctx.oidc.params?.grant_type !== 'client_credentials' || !acting || !PUBLIC_SERVICES.has(service)) {
              throw new errors.InvalidTarget(`client ${client.clientId} may not request tokens for ${indicator} as itself`);
            }
            return {
              scope: serviceScopeOf(service),
              audience: serviceAudienceOf(service),
              accessTokenFormat: 'jwt',
              accessTokenTTL: options.serviceTokenTtlSeconds,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          const owner = clientOfResource(indicator);
          if (owner === undefined || owner !== client.clientId) {
            throw new errors.InvalidTarget(`client ${client.clientId} may not request tokens for ${indicator}`);
          }
          return {
            scope: USER_SCOPE,
            audience: audienceOf(owner),
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    fetch: loopbackFetch,
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = pages.errorPage('Something went wrong', { error: out.error, error_description: out.error_description });
    },
  };
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * The provider's outgoing requests (back-channel logout tokens). oidc-provider sends them through
 * an agent that refuses special-use addresses, loopback included, against SSRF; but here every
 * client is on this machine (`http://127.0.0.1:4000/auth/backchannel-logout`), so requests to a
 * loopback host go out without that agent. Any other host keeps the protection.
 */
function loopbackFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  if (!LOOPBACK_HOST.test(url.hostname) || !init) return globalThis.fetch(input, init);
  const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
  return globalThis.fetch(input, rest);
}

/** The code page's message for oidc-provider's re-render errors, by name; anything else (a stale form) asks to try again. */
const DEVICE_ERROR_MESSAGES: Record<string, string> = {
  NoCodeError: 'Enter the code shown on your TV.',
  NotFoundError: 'That code is not valid. Check the code on your TV and try again.',
  ExpiredError: 'That code has expired. Start again on your TV.',
  AlreadyUsedError: 'That code was already used. Start again on your TV.',
  AbortedError: 'The sign-in was aborted.',
};

const deviceErrorMessage = (error: Error) => DEVICE_ERROR_MESSAGES[error.name] ?? 'The code could not be processed. Try again.';
