import type { ClientMetadata } from 'oidc-provider';

/**
 * The OpenID provider's clients: one per BFF, registered statically (no dynamic registration),
 * because the set of BFFs is fixed and each one's settings are part of the platform's contract.
 */
export const CLIENT_IDS = ['web', 'mobile', 'tv'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

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

/** Development defaults, documented in the README; deployments set the variables. */
export const DEV_CLIENT_SECRETS = { web: 'concierge-web-dev-secret', tv: 'concierge-tv-dev-secret' } as const;
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
  return [
    {
      // The web BFF: a confidential server-side client (it keeps the tokens, the browser gets a cookie).
      client_id: 'web',
      client_name: 'Concierge web',
      client_secret: env.WEB_CLIENT_SECRET || DEV_CLIENT_SECRETS.web,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
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
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
  ];
}
