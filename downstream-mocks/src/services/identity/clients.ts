import type { ClientMetadata } from 'oidc-provider';

/**
 * The OpenID provider's clients: one per BFF, registered statically (no dynamic registration),
 * because the set of BFFs is fixed and each one's settings are part of the platform's contract.
 */
export const CLIENT_IDS = ['web', 'mobile', 'tv'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/**
 * The confidential client each BFF is when it acts downstream (token exchange, client
 * credentials): web and TV are the clients they sign in as; the mobile app is a public client,
 * so the mobile BFF, which holds a secret the app cannot, is a client of its own.
 */
export const ACTING_CLIENTS: Readonly<Record<ClientId, string>> = { web: 'web', mobile: 'mobile-bff', tv: 'tv' };
/**
 * Development only: the client a BFF with no client of its own at identity acts as (one made
 * by `npm run new-client`). It may exchange only development tokens (`concierge`), which exist
 * only where `POST /dev/token` does.
 */
export const DEVELOPMENT_ACTING_CLIENT = 'dev-bff';

/** The BFF audience whose tokens `clientId` may exchange, as the BFF acting for their viewers. */
export function audienceActedFor(clientId: string): string | undefined {
  const owner = CLIENT_IDS.find((client) => ACTING_CLIENTS[client] === clientId);
  return owner && audienceOf(owner);
}

/**
 * The services behind the BFFs (every mock but identity). Each accepts only tokens for its own
 * audience, which is also its RFC 8707 resource indicator, and its own scope.
 */
export const SERVICE_NAMES = ['users', 'catalog', 'recommendations', 'continue-watching', 'my-list', 'billing', 'reviews', 'playback', 'notifications', 'search'] as const;
export type ServiceAudienceName = (typeof SERVICE_NAMES)[number];
export const serviceAudienceOf = (service: string) => `urn:concierge:service:${service}` as const;
export const serviceScopeOf = (service: string) => `concierge:${service}` as const;
export function serviceOfResource(indicator: string): ServiceAudienceName | undefined {
  return SERVICE_NAMES.find((service) => serviceAudienceOf(service) === indicator);
}
/**
 * Services whose data is the same for every viewer: a BFF reads them as itself (client
 * credentials), so what it caches for all viewers never rests on one viewer's token.
 */
export const PUBLIC_SERVICES: ReadonlySet<string> = new Set(['catalog']);

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export const isClientId = (value: unknown): value is ClientId => CLIENT_IDS.includes(value as ClientId);

/** The `aud` of a BFF's access tokens; the downstream services accept each of these. */
export const audienceOf = (client: ClientId) => `concierge-${client}` as const;

/**
 * The RFC 8707 resource indicator of a BFF's API. Indicators must be absolute URIs, and the
 * audience a service checks is a short name, so the two differ: `getResourceServerInfo` maps one
 * to the other. A client may only ask for its own (see provider.ts).
 */
export const resourceOf = (client: ClientId) => `urn:concierge:bff:${client}` as const;

export function clientOfResource(indicator: string): ClientId | undefined {
  return CLIENT_IDS.find((client) => resourceOf(client) === indicator);
}

/**
 * The API scope: what a BFF asks for to act for the signed-in user downstream, and the only scope
 * an access token's `scope` claim can hold (the resource server's one scope). The OpenID scopes
 * (`openid`, `profile`, `offline_access`) are about the ID and refresh tokens, not the API, so an
 * access token asked for without it has no `scope`.
 */
export const USER_SCOPE = 'concierge:user';

/** Clients of the platform itself, whose users are not asked to consent (see interactions.ts). */
export const FIRST_PARTY_CLIENTS: ReadonlySet<string> = new Set<string>(CLIENT_IDS);

/** The grants a BFF uses to call the services: token exchange for a viewer, client credentials for itself. */
const ACTING_GRANTS = [TOKEN_EXCHANGE_GRANT, 'client_credentials'];

/** Development defaults, documented in the README; deployments set the variables. */
export const DEV_CLIENT_SECRETS = {
  web: 'concierge-web-dev-secret',
  tv: 'concierge-tv-dev-secret',
  mobileBff: 'concierge-mobile-dev-secret',
  devBff: 'concierge-dev-bff-dev-secret',
} as const;
export const DEFAULT_WEB_REDIRECT_URI = 'http://127.0.0.1:4000/auth/callback';
export const DEFAULT_WEB_POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:4000/auth/signed-out';
export const DEFAULT_WEB_BACKCHANNEL_LOGOUT_URI = 'http://127.0.0.1:4000/auth/backchannel-logout';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** `a, b,,c` → `['a', 'b', 'c']`; unset or blank → the default, so tests on other ports can register theirs. */
function listFromEnv(value: string | undefined, fallback: string[]): string[] {
  const list = (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return list.length > 0 ? list : fallback;
}

export function clientsFromEnv(env: NodeJS.ProcessEnv): ClientMetadata[] {
  const production = env.NODE_ENV === 'production';
  return [
    {
      // The web BFF: a confidential server-side client (it keeps the tokens, the browser gets a cookie).
      client_id: 'web',
      client_name: 'Concierge web',
      client_secret: env.WEB_CLIENT_SECRET || DEV_CLIENT_SECRETS.web,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', ...ACTING_GRANTS],
      response_types: ['code'],
      redirect_uris: listFromEnv(env.WEB_REDIRECT_URIS, [DEFAULT_WEB_REDIRECT_URI]),
      post_logout_redirect_uris: listFromEnv(env.WEB_POST_LOGOUT_REDIRECT_URIS, [DEFAULT_WEB_POST_LOGOUT_REDIRECT_URI]),
      backchannel_logout_uri: env.WEB_BACKCHANNEL_LOGOUT_URI || DEFAULT_WEB_BACKCHANNEL_LOGOUT_URI,
      // The logout token then names the session (`sid`), and ID tokens carry it, so the BFF can
      // end exactly the browser session that signed out.
      backchannel_logout_session_required: true,
    },
    {
      // The mobile app: a public native client (RFC 8252). It can keep no secret, so PKCE is its
      // proof; a private-use scheme and a loopback redirect (any port, as RFC 8252 §7.3 allows).
      client_id: 'mobile',
      client_name: 'Concierge mobile',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['com.concierge.mobile:/oauth2redirect', 'http://127.0.0.1/callback'],
    },
    {
      // The TV BFF: the device authorization grant (RFC 8628), called server side, so confidential.
      client_id: 'tv',
      client_name: 'Concierge TV',
      client_secret: env.TV_CLIENT_SECRET || DEV_CLIENT_SECRETS.tv,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token', ...ACTING_GRANTS],
      response_types: [],
      redirect_uris: [],
    },
    {
      // The mobile BFF itself (not the app): it exchanges the app's tokens for the services'.
      client_id: ACTING_CLIENTS.mobile,
      client_name: 'Concierge mobile BFF',
      client_secret: env.MOBILE_CLIENT_SECRET || DEV_CLIENT_SECRETS.mobileBff,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ACTING_GRANTS,
      response_types: [],
      redirect_uris: [],
    },
    // A BFF with no client of its own (a new client's, in development): development tokens only.
    ...(production
      ? []
      : [
          {
            client_id: DEVELOPMENT_ACTING_CLIENT,
            client_name: 'Concierge development BFF',
            client_secret: DEV_CLIENT_SECRETS.devBff,
            token_endpoint_auth_method: 'client_secret_basic' as const,
            grant_types: ACTING_GRANTS,
            response_types: [],
            redirect_uris: [],
          },
        ]),
  ];
}
