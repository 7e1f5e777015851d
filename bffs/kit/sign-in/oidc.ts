import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The BFF as an OpenID Connect relying party, with openid-client (panva): discovery, the
 * authorization code grant with PKCE (web), the device authorization grant (TV), refresh,
 * revocation and RP-initiated logout against the
 * provider at `issuer`. Discovery happens on first use and is retried on the next use after a
 * failure, so a BFF starts (and serves its bearer clients) while the provider is still coming up.
 */
export interface OidcClientOptions {
  /** The provider (identity's URL); also the expected `iss`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the access tokens are for (RFC 8707): this BFF's API. */
  resource: string;
  scope: string;
  /** Development only: the provider may be plain http (loopback). */
  allowHttp: boolean;
}

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface TokenSet {
  access: string;
  refresh?: string;
  idToken?: string;
  /** ms since the epoch */
  accessExpiresAt: number;
  /** Claims of the ID token, when one came with the answer. */
  claims?: { sub: string; name?: string; sid?: string };
}

export function createOidcClient(options: OidcClientOptions) {
  let configuration: Promise<client.Configuration> | undefined;
  const configured = () =>
    (configuration ??= client
      .discovery(new URL(options.issuer), options.clientId, { client_secret: options.clientSecret }, client.ClientSecretBasic(options.clientSecret), {
        execute: options.allowHttp ? [client.allowInsecureRequests] : [],
        timeout: 5,
      })
      .catch((error: unknown) => {
        configuration = undefined; // not remembered: the next sign-in tries again
        throw error;
      }));
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/.well-known/jwks.json`));

  function tokenSet(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): TokenSet {
    const claims = response.claims();
    return {
      access: response.access_token,
      refresh: response.refresh_token,
      idToken: response.id_token,
      accessExpiresAt: Date.now() + (response.expiresIn() ?? 60) * 1000,
      ...(claims ? { claims: { sub: claims.sub, name: typeof claims.name === 'string' ? claims.name : undefined, sid: typeof claims.sid === 'string' ? claims.sid : undefined } } : {}),
    };
  }

  return {
    /** Where to send the browser to sign in. */
    async authorizationUrl({ redirectUri, state, nonce, codeVerifier }: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<URL> {
      return client.buildAuthorizationUrl(await configured(), {
        redirect_uri: redirectUri,
        scope: options.scope,
        resource: options.resource,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    /** The callback: checks state, nonce and PKCE (openid-client does), and exchanges the code. */
    async exchangeCode(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<TokenSet & { claims: NonNullable<TokenSet['claims']> }> {
      const response = await client.authorizationCodeGrant(await configured(), callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      }, { resource: options.resource });
      const set = tokenSet(response);
      if (!set.claims) throw new Error('the provider sent no ID token');
      return set as TokenSet & { claims: NonNullable<TokenSet['claims']> };
    },

    /**
     * The device authorization request (RFC 8628 §3.1): a device code to poll with and a user
     * code for the person to enter at the verification URI.
     */
    async deviceAuthorization(): Promise<client.DeviceAuthorizationResponse> {
      return client.initiateDeviceAuthorization(await configured(), { scope: options.scope, resource: options.resource });
    },

    /**
     * One poll of the token endpoint with a device code (§3.4), not openid-client's polling loop:
     * the device polls the BFF, and each of its polls is one here. Throws the provider's answer
     * (a ResponseBodyError: authorization_pending, slow_down, access_denied, expired_token, invalid_grant).
     */
    async pollDeviceCode(deviceCode: string): Promise<TokenSet & { claims: NonNullable<TokenSet['claims']> }> {
      const set = tokenSet(await client.genericGrantRequest(await configured(), DEVICE_CODE_GRANT, { device_code: deviceCode, resource: options.resource }));
      if (!set.claims) throw new Error('the provider sent no ID token');
      return set as TokenSet & { claims: NonNullable<TokenSet['claims']> };
    },

    /** A new access token (and, rotated, a new refresh token). Throws on a dead grant. */
    async refresh(refreshToken: string): Promise<TokenSet> {
      return tokenSet(await client.refreshTokenGrant(await configured(), refreshToken, { resource: options.resource }));
    },

    async revoke(token: string): Promise<void> {
      await client.tokenRevocation(await configured(), token, { token_type_hint: 'refresh_token' });
    },

    /**
     * The provider's end-session URL, for the browser to visit after the BFF has signed it out.
     * It names the client (`client_id`), not the user's ID token: an `id_token_hint` would put a
     * token in the page's JavaScript, address bar and history, which is what the BFF avoids.
     */
    async endSessionUrl({ postLogoutRedirectUri }: { postLogoutRedirectUri?: string }): Promise<string> {
      return client
        .buildEndSessionUrl(await configured(), {
          client_id: options.clientId,
          ...(postLogoutRedirectUri ? { post_logout_redirect_uri: postLogoutRedirectUri } : {}),
        })
        .toString();
    },

    /**
     * A back-channel logout token (OpenID Connect Back-Channel Logout 1.0, §2.6): signed by the
     * provider, for this client, with the logout event, no nonce, and a `sub` or a `sid`.
     */
    async verifyLogoutToken(token: string): Promise<{ sub?: string; sid?: string }> {
      const { payload } = await jwtVerify(token, jwks, { issuer: options.issuer, audience: options.clientId, typ: 'logout+jwt', maxTokenAge: '5m', requiredClaims: ['iat', 'jti', 'events'] });
      const events = payload.events as Record<string, unknown> | undefined;
      if (typeof events !== 'object' || events === null || typeof events['http://schemas.openid.net/event/backchannel-logout'] !== 'object') throw new Error('no back-channel logout event');
      if ('nonce' in payload) throw new Error('a logout token must not carry a nonce');
      const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      if (!sub && !sid) throw new Error('a logout token names a sub or a sid');
      return { sub, sid };
    },
  };
}

export type OidcClient = ReturnType<typeof createOidcClient>;
