/**
 * Identity as an OpenID Connect provider, over real HTTP: discovery, the authorization code flow
 * with PKCE (driven with openid-client, as the BFFs will, and a fetch "browser" for the login
 * pages), refresh rotation, revocation, the device flow, the mobile client, RP-initiated and
 * back-channel logout, and the production refusal of the development password.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { Browser, formOf, type Page } from '../support/oidc-browser.ts';

const WEB_SECRET = 'concierge-web-dev-secret';
const TV_SECRET = 'concierge-tv-dev-secret';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE = 'openid profile concierge:user';
const MOBILE_REDIRECT = 'http://127.0.0.1:53123/callback';

/** Stands in for the web BFF: its callback and post-logout pages, and the back-channel logout URI. */
let rp: http.Server;
let rpOrigin: string;
const logoutTokens: string[] = [];

let mocks: TestMocks;
let issuer: string;
let web: client.Configuration;
let mobile: client.Configuration;
let tv: client.Configuration;
let webCallback: string;

beforeAll(async () => {
  rp = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/auth/backchannel-logout') {
      let body = '';
      req.on('data', (chunk) => (body += chunk)).on('end', () => {
        logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  webCallback = `${rpOrigin}/auth/callback`;

  mocks = await startTestMocks({
    WEB_REDIRECT_URIS: webCallback,
    WEB_POST_LOGOUT_REDIRECT_URIS: `${rpOrigin}/`,
    WEB_BACKCHANNEL_LOGOUT_URI: `${rpOrigin}/auth/backchannel-logout`,
    DEVICE_POLL_INTERVAL_SECONDS: '1',
  });
  issuer = mocks.urls.identity;
  const options = { execute: [client.allowInsecureRequests] };
  web = await client.discovery(new URL(issuer), 'web', undefined, client.ClientSecretBasic(WEB_SECRET), options);
  mobile = await client.discovery(new URL(issuer), 'mobile', { token_endpoint_auth_method: 'none' }, client.None(), options);
  tv = await client.discovery(new URL(issuer), 'tv', undefined, client.ClientSecretBasic(TV_SECRET), options);
});
afterAll(async () => {
  await mocks?.close();
  rp?.closeAllConnections();
  await new Promise((resolve) => rp?.close(resolve));
});

const jwks = () => createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));

interface Authorization {
  browser: Browser;
  verifier: string;
  state: string;
  nonce: string;
  /** The login page the authorization led to. */
  loginPage: Page;
}

/** GET the authorization endpoint and follow the redirects to identity's login page. */
async function startAuthorization(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const browser = new Browser();
  const loginPage = await browser.get(url.href, redirectUri);
  return { browser, verifier, state, nonce, loginPage };
}

/** Signs in on the login page and follows the provider back to the client's redirect URI. */
async function signIn(config: client.Configuration, redirectUri: string, username = 'u_42') {
  return signInWith(config, redirectUri, {}, username);
}

async function signInWith(config: client.Configuration, redirectUri: string, extra: Record<string, string>, username = 'u_42') {
  const authorization = await startAuthorization(config, redirectUri, extra);
  expect(authorization.loginPage.status, authorization.loginPage.text.slice(0, 300)).toBe(200);
  const callback = await authorization.browser.submit(authorization.loginPage, { username, password: 'dev-password' }, { stopAt: redirectUri });
  expect(callback.location, callback.text.slice(0, 300)).toMatch(new RegExp(`^${redirectUri.replace(/[.?]/g, '\\$&')}\\?`));
  return { ...authorization, callbackUrl: new URL(callback.location!) };
}

async function signInAndExchange(config: client.Configuration, redirectUri: string, username = 'u_42') {
  const flow = await signIn(config, redirectUri, username);
  const tokens = await client.authorizationCodeGrant(config, flow.callbackUrl, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
  return { ...flow, tokens };
}

/** A token endpoint call by hand, for the answers openid-client would not let through. */
async function tokenRequest(form: Record<string, string>, credentials?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (credentials) headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function grantCount(grantType: string): Promise<number> {
  return (await mocks.counters('identity')).details?.[`POST /token grant_type=${grantType}`] ?? 0;
}

describe('discovery', () => {
  it('describes the provider at its own URL: PKCE S256 only, code flow, device grant, its endpoints and JWKS', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, any>;
    expect(doc.issuer).toBe(issuer);
    expect(doc.jwks_uri).toBe(`${issuer}/.well-known/jwks.json`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', DEVICE_GRANT]));
    expect(doc.grant_types_supported).not.toContain('implicit');
    expect(doc).toMatchObject({
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      revocation_endpoint: `${issuer}/token/revocation`,
      device_authorization_endpoint: `${issuer}/device/auth`,
      end_session_endpoint: `${issuer}/session/end`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'offline_access', 'concierge:user']));
  });

  it('publishes one key, the same that signs /dev/token', async () => {
    const keys = ((await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys;
    expect(keys).toHaveLength(1);
    const { payload } = await jwtVerify(await mocks.token('u_1'), jwks(), { issuer, audience: 'concierge' });
    expect(payload.sub).toBe('u_1');
  });
});

describe('authorization code with PKCE (web)', () => {
  it('signs a user in through the login page and issues tokens for the concierge-web audience', async () => {
    const { tokens } = await signInAndExchange(web, webCallback);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(300);

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks(), { issuer, audience: 'concierge-web' });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: 'concierge-dev-1', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'u_42', iss: issuer, aud: 'concierge-web', scope: 'concierge:user', client_id: 'web' });
    expect(payload.exp! - payload.iat!).toBe(300);

    const idToken = tokens.claims()!;
    expect(idToken).toMatchObject({ sub: 'u_42', aud: 'web', iss: issuer, name: expect.stringMatching(/\S+ \S+/), sid: expect.any(String) });

    // No service takes it (its audience is the web BFF); exchanged at identity for users' own
    // token (RFC 8693), as the web BFF does, it reads the user.
    const refused = await fetch(`${mocks.urls.users}/users/u_42?fields=profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(refused.status).toBe(401);
    const exchanged = await client.genericGrantRequest(web, 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: tokens.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'urn:concierge:service:users',
    });
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ sub: 'u_42', aud: 'urn:concierge:service:users', scope: 'concierge:users', act: { sub: 'web' } });
    const user = await fetch(`${mocks.urls.users}/users/u_42?fields=profile`, { headers: { authorization: `Bearer ${exchanged.access_token}` } });
    expect(user.status).toBe(200);
    expect(((await user.json()) as { profile: { name: string } }).profile.name).toBe(idToken.name);
  });

  it('accepts its own resource indicator named at every step, as the BFFs send it', async () => {
    const resource = 'urn:concierge:bff:web';
    const flow = await signInWith(web, webCallback, { resource, scope: 'openid profile offline_access concierge:user' });
    const tokens = await client.authorizationCodeGrant(web, flow.callbackUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce }, { resource });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: 'concierge-web', scope: 'concierge:user' });
    const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token!, { resource });
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ aud: 'concierge-web', sub: 'u_42' });
  });

  it('refuses a wrong password and an unknown user on the login page, with the reason', async () => {
    const { browser, loginPage } = await startAuthorization(web, webCallback);
    const wrong = await browser.submit(loginPage, { username: 'u_42', password: 'guess' }, { stopAt: webCallback });
    expect(wrong.status).toBe(400);
    expect(wrong.location).toBeUndefined();
    expect(wrong.text).toContain('Wrong password.');
    expect(formOf(wrong).fields.username).toBe('u_42');

    const unknown = await browser.submit(wrong, { username: 'u_1001', password: 'dev-password' }, { stopAt: webCallback });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Unknown user &quot;u_1001&quot;: users are u_1…u_1000.');

    // The same sign-in still succeeds afterwards.
    const ok = await browser.submit(unknown, { username: 'u_7', password: 'dev-password' }, { stopAt: webCallback });
    expect(new URL(ok.location!).searchParams.get('code')).toBeTruthy();
  });

  it('refuses a code exchange without the code_verifier, or with the wrong one', async () => {
    const { callbackUrl, verifier } = await signIn(web, webCallback);
    const code = callbackUrl.searchParams.get('code')!;
    const missing = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: webCallback }, `web:${WEB_SECRET}`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');

    const { callbackUrl: again } = await signIn(web, webCallback);
    const wrong = await tokenRequest({ grant_type: 'authorization_code', code: again.searchParams.get('code')!, redirect_uri: webCallback, code_verifier: `${verifier}x` }, `web:${WEB_SECRET}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('refuses an authorization without PKCE, or with the plain method, for the confidential client too', async () => {
    const cases: { pkce: Record<string, string>; reason: RegExp }[] = [
      { pkce: {}, reason: /requires PKCE/ },
      { pkce: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, reason: /code_challenge_method/ },
    ];
    for (const { pkce, reason } of cases) {
      const url = new URL(`${issuer}/auth`);
      url.search = new URLSearchParams({ client_id: 'web', response_type: 'code', redirect_uri: webCallback, scope: SCOPE, state: 's', ...pkce }).toString();
      const res = await new Browser().request(url.href);
      expect(res.status, JSON.stringify(pkce)).toBe(303);
      const back = new URL(res.location!);
      expect(back.href.startsWith(webCallback)).toBe(true);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toMatch(reason);
      expect(back.searchParams.get('code')).toBeNull();
    }
  });

  it('refuses a replayed authorization code', async () => {
    const flow = await signIn(web, webCallback);
    await client.authorizationCodeGrant(web, flow.callbackUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const replay = await tokenRequest(
      { grant_type: 'authorization_code', code: flow.callbackUrl.searchParams.get('code')!, redirect_uri: webCallback, code_verifier: flow.verifier },
      `web:${WEB_SECRET}`,
    );
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('refuses a wrong client secret', async () => {
    const { callbackUrl, verifier } = await signIn(web, webCallback);
    const res = await tokenRequest({ grant_type: 'authorization_code', code: callbackUrl.searchParams.get('code')!, redirect_uri: webCallback, code_verifier: verifier }, 'web:not-the-secret');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe('refresh tokens', () => {
  it('rotate on every use, refuse the old one, and each refresh is counted once at the provider', async () => {
    const { tokens } = await signInAndExchange(web, webCallback);
    const first = tokens.refresh_token!;
    expect(first).toBeTruthy();

    const before = await grantCount('refresh_token');
    const refreshed = await client.refreshTokenGrant(web, first);
    expect(await grantCount('refresh_token')).toBe(before + 1);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    const { payload } = await jwtVerify(refreshed.access_token, jwks(), { issuer, audience: 'concierge-web' });
    expect(payload.sub).toBe('u_42');

    const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: first }, `web:${WEB_SECRET}`);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(await grantCount('refresh_token')).toBe(before + 2);
  });

  it('is refused once revoked', async () => {
    const { tokens } = await signInAndExchange(web, webCallback);
    await client.tokenRevocation(web, tokens.refresh_token!);
    const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, `web:${WEB_SECRET}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('cannot be revoked by another client', async () => {
    const { tokens } = await signInAndExchange(web, webCallback);
    const res = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`tv:${TV_SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.refresh_token!, token_type_hint: 'refresh_token' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect((await client.refreshTokenGrant(web, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});

describe('mobile (public native client)', () => {
  it('signs in with PKCE on a loopback redirect of any port and gets tokens for concierge-mobile', async () => {
    const { tokens } = await signInAndExchange(mobile, MOBILE_REDIRECT, 'u_5');
    const { payload } = await jwtVerify(tokens.access_token, jwks(), { issuer, audience: 'concierge-mobile' });
    expect(payload).toMatchObject({ sub: 'u_5', client_id: 'mobile', scope: 'concierge:user' });
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('may not ask for another BFF audience', async () => {
    const { loginPage } = await startAuthorization(mobile, MOBILE_REDIRECT, { resource: 'urn:concierge:bff:web' });
    const back = new URL(loginPage.location!);
    expect(back.searchParams.get('error')).toBe('invalid_target');
  });

  it('accepts its private-use scheme redirect', async () => {
    const { callbackUrl } = await signIn(mobile, 'com.concierge.mobile:/oauth2redirect');
    expect(callbackUrl.searchParams.get('code')).toBeTruthy();
  });
});

describe('device authorization grant (tv)', () => {
  it('is pending until the user approves, answers slow_down to fast polling, then issues tokens for concierge-tv', async () => {
    const device = await client.initiateDeviceAuthorization(tv, { scope: SCOPE });
    expect(device).toMatchObject({ interval: 1, verification_uri: `${issuer}/device`, expires_in: 600 });
    const poll = () => tokenRequest({ grant_type: DEVICE_GRANT, device_code: device.device_code }, `tv:${TV_SECRET}`);

    expect((await poll()).body.error).toBe('authorization_pending');
    expect((await poll()).body.error).toBe('slow_down');

    // The user, on a phone: the complete verification URI, the code confirmation, the login.
    const browser = new Browser();
    const autoSubmit = await browser.get(device.verification_uri_complete!);
    const confirm = await browser.submit(autoSubmit);
    expect(confirm.text).toContain('Concierge TV');
    const login = await browser.submit(confirm, {}, { id: 'op.deviceConfirmForm' });
    expect(login.status).toBe(200);
    const done = await browser.submit(login, { username: 'u_9', password: 'dev-password' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Device connected');

    await sleep(1100);
    const tokens = await poll();
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const { payload } = await jwtVerify(tokens.body.access_token, jwks(), { issuer, audience: 'concierge-tv' });
    expect(payload).toMatchObject({ sub: 'u_9', client_id: 'tv', scope: 'concierge:user' });
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(decodeJwt(tokens.body.id_token)).toMatchObject({ sub: 'u_9', aud: 'tv' });

    // The code is used up.
    expect((await poll()).body.error).toBe('invalid_grant');
  });

  it('sends a code form posted without a session (a stale page) back to the code page, which then works', async () => {
    const device = await client.initiateDeviceAuthorization(tv, { scope: SCOPE });
    const browser = new Browser();
    const stale = await browser.request(`${issuer}/device`, { form: { xsrf: 'from-an-old-page', user_code: device.user_code } });
    expect(stale.status).toBe(303);
    expect(stale.location).toBe(`${issuer}/device?user_code=${encodeURIComponent(device.user_code)}`);
    const confirm = await browser.submit(await browser.follow(stale));
    expect(confirm.text).toContain('Confirm the device');
  });

  it('takes the code typed by hand, and refuses one that does not exist', async () => {
    const device = await client.initiateDeviceAuthorization(tv, { scope: SCOPE });
    const browser = new Browser();
    const input = await browser.get(device.verification_uri);
    const wrong = await browser.submit(input, { user_code: 'BCDF-GHJK' });
    expect(wrong.text).toContain('That code is not valid.');
    const confirm = await browser.submit(wrong, { user_code: device.user_code });
    expect(confirm.text).toContain(device.user_code);
  });
});

describe('logout', () => {
  it('RP-initiated logout of a web session posts a logout token to the back-channel URI and ends the grant', async () => {
    const { browser, tokens } = await signInAndExchange(web, webCallback);
    const idToken = tokens.claims()!;
    const received = logoutTokens.length;

    const endSession = client.buildEndSessionUrl(web, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rpOrigin}/`, state: 'bye' });
    const confirm = await browser.get(endSession.href);
    expect(confirm.status).toBe(200);
    const back = await browser.submit(confirm, { logout: 'yes' }, { id: 'op.logoutForm', stopAt: `${rpOrigin}/` });
    expect(back.location).toBe(`${rpOrigin}/?state=bye`);

    expect(logoutTokens).toHaveLength(received + 1);
    const { payload, protectedHeader } = await jwtVerify(logoutTokens.at(-1)!, jwks(), { issuer, audience: 'web', typ: 'logout+jwt' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'u_42', sid: idToken.sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.jti).toEqual(expect.any(String));

    // The session's grant is gone with it.
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, `web:${WEB_SECRET}`);
    expect(refresh.body.error).toBe('invalid_grant');
  });
});

describe('counters', () => {
  it('counts token endpoint calls per grant type under details, outside the route totals', async () => {
    const before = await grantCount('authorization_code');
    await signInAndExchange(web, webCallback);
    expect(await grantCount('authorization_code')).toBe(before + 1);
    await tokenRequest({ grant_type: 'password', username: 'u_1', password: 'x' }, `web:${WEB_SECRET}`);
    expect(await grantCount('other')).toBeGreaterThanOrEqual(1);
    const { routes } = await mocks.counters('identity');
    expect(Object.keys(routes)).not.toContain('POST /token grant_type=authorization_code');
  });
});

describe('faults', () => {
  it('apply to the provider routes like to any mock route: a 503 at the token endpoint, still counted', async () => {
    const { tokens } = await signInAndExchange(web, webCallback);
    const before = await grantCount('refresh_token');
    await mocks.setFaults('identity', { errorStatus: 503, route: 'POST /token' });
    try {
      const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, `web:${WEB_SECRET}`);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('INJECTED_FAULT');
    } finally {
      await mocks.clearFaults();
    }
    // The faulted call never reached the provider, so it has no grant type; the refresh token is intact.
    expect(await grantCount('refresh_token')).toBe(before);
    expect((await client.refreshTokenGrant(web, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});

describe('under NODE_ENV=production', () => {
  it('still runs the provider but refuses the development password with a clear message', async () => {
    const production = await startTestMocks({ NODE_ENV: 'production', WEB_REDIRECT_URIS: webCallback });
    try {
      const url = production.urls.identity;
      expect((await fetch(`${url}/.well-known/openid-configuration`)).status).toBe(200);
      const config = await client.discovery(new URL(url), 'web', undefined, client.ClientSecretBasic(WEB_SECRET), { execute: [client.allowInsecureRequests] });
      const { browser, loginPage } = await startAuthorization(config, webCallback);
      expect(loginPage.status).toBe(200);
      const refused = await browser.submit(loginPage, { username: 'u_1', password: 'dev-password' }, { stopAt: webCallback });
      expect(refused.status).toBe(400);
      expect(refused.location).toBeUndefined();
      expect(refused.text).toContain('The development password is refused when NODE_ENV=production');
    } finally {
      await production.close();
    }
  });
});
