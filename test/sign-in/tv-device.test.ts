import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'openid-client';
import { DEV_WEB_CLIENT_SECRET } from '../../bffs/kit/sign-in/index.ts';
import { createOidcClient } from '../../bffs/kit/sign-in/oidc.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../bffs/kit/stores/redis.ts';
import { createSessionStore } from '../../bffs/kit/stores/sessions/session-store.ts';
import { createTokenCipher, DEV_SESSION_ENCRYPTION_KEY } from '../../bffs/kit/stores/sessions/token-cipher.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { testConfig, TEST_NOW } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { Browser } from '../support/oidc-browser.ts';
import { originOf } from '../support/served.ts';
import { cookieValue, graphqlWithCookie, SESSION_COOKIE, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

/**
 * TV device sign-in through the TV BFF (RFC 8628), over real HTTP against identity's real
 * provider: the TV asks for a code, polls, the user approves on a phone; the TV gets an opaque
 * session token and never a provider token. A web BFF and the TV BFF share one real Redis, so
 * the web account lists the TV and signs it out.
 *
 * The provider's polling interval is 1 s here, and access tokens live 62 s (refreshed 60 s
 * before they expire), so a TV session is due for a refresh about 2 s after sign-in.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
const TV_HOME = operation('tv', 'TvHome');
const DEVICES = '{ account { devices { id label signedInAt lastSeenAt } } }';
const SIGN_OUT = 'mutation ($id: ID!) { signOutDevice(id: $id) { id signedOut } }';
/** Distinct from every other test's users, and cleared on Redis before and after: TV sessions live for weeks. */
const USERS = ['u_301', 'u_302', 'u_303', 'u_304', 'u_305', 'u_306'];
/** A run's own labels, so a list is never confused by another run's TVs. */
const RUN = randomBytes(3).toString('hex');
/** identity registers the TV client with a secret of this run: production refuses the published development one. */
const TV_CLIENT_SECRET = randomBytes(24).toString('base64url');

interface DeviceCode {
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
  poll_id: string;
}

const post = async (origin: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as any };
};

const askForCode = async (origin: string, label?: string) => {
  const res = await post(origin, '/auth/device', label === undefined ? undefined : { label });
  expect(res.status, res.text).toBe(200);
  return res.body as DeviceCode;
};

const poll = (origin: string, device: DeviceCode) => post(origin, '/auth/device/token', { poll_id: device.poll_id });

/** The user, on a phone: the complete verification URI, the code confirmation, the login. */
async function approve(device: DeviceCode, username: string, { abort = false } = {}) {
  const browser = new Browser();
  const confirm = await browser.submit(await browser.get(device.verification_uri_complete));
  expect(confirm.text).toContain(device.user_code);
  if (abort) return browser.submit(confirm, { abort: 'yes' }, { id: 'op.deviceConfirmForm' });
  const login = await browser.submit(confirm, {}, { id: 'op.deviceConfirmForm' });
  const done = await browser.submit(login, { username, password: 'dev-password' });
  expect(done.text).toContain('Device connected');
  return done;
}

/** A whole device sign-in: the code, the approval, one poll after the interval. */
async function signInTv(origin: string, username: string, label?: string) {
  const device = await askForCode(origin, label);
  await approve(device, username);
  const signedIn = await poll(origin, device);
  expect(signedIn.status, signedIn.text).toBe(200);
  return { device, ...signedIn, token: signedIn.body.session_token as string };
}

/** Token exchanges (RFC 8693) identity has answered so far. */
const EXCHANGE = 'POST /token grant_type=urn:ietf:params:oauth:grant-type:token-exchange';
let exchangesAtIdentity: () => Promise<number>;

async function tvHome(origin: string, token: string) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: TV_HOME }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/**
 * What the provider answers a refresh with `refreshToken`, as the client it was issued to: a
 * revoked (or spent) token is `invalid_grant`.
 */
async function providerTakes(identity: string, client: 'web' | 'tv', refreshToken: string): Promise<'accepted' | string> {
  const oidc = createOidcClient({ issuer: identity, clientId: client, clientSecret: client === 'tv' ? TV_CLIENT_SECRET : DEV_WEB_CLIENT_SECRET, resource: `urn:concierge:bff:${client}`, scope: 'openid', allowHttp: true });
  try {
    await oidc.refresh(refreshToken);
    return 'accepted';
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return error.error;
    throw error;
  }
}

describe('TV device sign-in', () => {
  let stack: SignInStack;
  let web: string;
  let tvBff: Bff;
  let tv: string;
  let productionTvBff: Bff;
  let productionTv: string;
  let redis: RedisClient;

  /** A session's refresh token, read from Redis as its BFF does (both run the development key here). */
  const refreshTokenOf = async (sessionId: string) => {
    const store = createSessionStore({ redis, cipher: createTokenCipher(DEV_SESSION_ENCRYPTION_KEY), idleTimeoutMs: 86_400_000, absoluteLifetimeMs: 86_400_000 });
    const refresh = (await store.get(sessionId))?.tokens.refresh;
    if (!refresh) throw new Error('the session has no refresh token');
    return refresh;
  };

  /** TV sessions of the test users, ended straight in Redis (no key needed to end a session). */
  const clearTvSessions = async () => {
    const store = createSessionStore({ redis, cipher: createTokenCipher(randomBytes(32).toString('base64url')), idleTimeoutMs: 1, absoluteLifetimeMs: 1 });
    for (const sub of USERS) await store.deleteWhere({ sub, client: 'tv' });
  };

  beforeAll(async () => {
    const tvClientSecret = TV_CLIENT_SECRET;
    stack = await startSignInStack({ config: { redisUrl: REDIS_URL }, mocksEnv: { DEVICE_POLL_INTERVAL_SECONDS: '1', ACCESS_TOKEN_TTL_SECONDS: '62', TV_CLIENT_SECRET: tvClientSecret } });
    web = stack.replicas[0]!.origin;
    exchangesAtIdentity = async () => (await stack.mocks.counters('identity')).details?.[EXCHANGE] ?? 0;
    const options = { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) };
    tvBff = createTvBff(testConfig(stack.mocks.urls, { redisUrl: REDIS_URL, tvClientSecret }), options);
    tv = await originOf(tvBff);
    // As deployed: its own client secret and sealing key (the values only need to be set and not the public key).
    productionTvBff = createTvBff(testConfig(stack.mocks.urls, { production: true, trustedDocuments: 'arbitrary', tvClientSecret, sessionEncryptionKey: randomBytes(32).toString('base64url') }), options);
    productionTv = await originOf(productionTvBff);
    redis = connectRedis(REDIS_URL, pino({ level: 'silent' }));
    // The project's client queues nothing while it connects.
    if (!redis.isReady) await new Promise((resolve) => redis.once('ready', resolve));
    await clearTvSessions();
  });
  afterAll(async () => {
    if (redis) await clearTvSessions().finally(() => closeRedis(redis));
    await Promise.all([tvBff?.close(), productionTvBff?.close()]);
    await stack?.close();
  });

  it('POST /auth/device asks the provider for a code and answers it with an opaque poll_id, never the device code', async () => {
    const res = await post(tv, '/auth/device', { label: 'Living room TV' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      verification_uri: `${stack.mocks.urls.identity}/device`,
      verification_uri_complete: `${stack.mocks.urls.identity}/device?user_code=${encodeURIComponent(res.body.user_code)}`,
      expires_in: 600,
      interval: 1,
      // Sealed (AES-GCM): nothing in it can be read, changed or made up.
      poll_id: expect.stringMatching(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(res.text).not.toMatch(/device_code/);
    // No label, or an empty body, is fine too.
    expect((await post(tv, '/auth/device')).status).toBe(200);
  });

  it('before approval a poll is 400 authorization_pending; polled faster than the interval, slow_down with the interval to keep', async () => {
    const device = await askForCode(tv);
    const pending = await poll(tv, device);
    expect(pending.status).toBe(400);
    expect(pending.body).toMatchObject({ error: 'authorization_pending', errors: [{ extensions: { code: 'DEVICE_AUTHORIZATION_PENDING' } }] });
    const tooFast = await poll(tv, device);
    expect(tooFast.status).toBe(400);
    expect(tooFast.body).toMatchObject({ error: 'slow_down', interval: 6, errors: [{ extensions: { code: 'DEVICE_SLOW_DOWN' } }] });
    await sleep(1_100);
    expect((await poll(tv, device)).body.error).toBe('authorization_pending');
  });

  it('once the user approves, the poll makes a device session: an opaque token, no provider token in the answer, and TV home works with it', async () => {
    const device = await askForCode(tv, `Living room TV ${RUN}`);
    expect((await poll(tv, device)).body.error).toBe('authorization_pending');
    await approve(device, 'u_301');
    await sleep(1_100);
    const res = await poll(tv, device);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ session_token: expect.stringMatching(/^[\w-]{43}$/), token_type: 'Bearer', expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(res.text).not.toMatch(JWT);
    expect(res.text).not.toMatch(/refresh|access_token|id_token/);
    expect(JSON.stringify([...res.headers])).not.toMatch(JWT);

    const exchangedBefore = await exchangesAtIdentity();
    const home = await tvHome(tv, res.body.session_token);
    expect(home.status).toBe(200);
    expect(home.body.errors).toBeUndefined();
    expect(home.body.data.home.profile).toEqual(expect.any(Object));
    // The session's provider token (audience: the TV BFF) is exchanged for each service's own: no service takes it as it is.
    expect(await exchangesAtIdentity()).toBeGreaterThan(exchangedBefore);

    // The code is used up: a second poll makes no second session.
    await sleep(1_100);
    const again = await poll(tv, device);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant', errors: [{ extensions: { code: 'DEVICE_CODE_EXPIRED' } }] });
  });

  it("a device session's access token is refreshed on the server when due, and the TV never sees it", async () => {
    const { token } = await signInTv(tv, 'u_302');
    await sleep(2_500);
    const before = ((await stack.mocks.counters('identity')) as any).details?.['POST /token grant_type=refresh_token'] ?? 0;
    const home = await tvHome(tv, token);
    expect(home.status).toBe(200);
    expect(((await stack.mocks.counters('identity')) as any).details['POST /token grant_type=refresh_token'] - before).toBe(1);
    expect(JSON.stringify(home.body)).not.toMatch(JWT);
  });

  it('a user who declines at the verification page: the poll is 400 access_denied, and no session is made', async () => {
    const device = await askForCode(tv);
    await approve(device, 'u_303', { abort: true });
    const res = await poll(tv, device);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'access_denied', errors: [{ extensions: { code: 'DEVICE_ACCESS_DENIED' } }] });
  });

  it('refuses a made-up poll_id, a label out of bounds, a body that is not a JSON object, and GET', async () => {
    const forged = await post(tv, '/auth/device/token', { poll_id: 'v1.AAAA.BBBB.CCCC' });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: 'invalid_grant', errors: [{ extensions: { code: 'DEVICE_CODE_EXPIRED' } }] });
    for (const label of ['x'.repeat(65), 'Living\nroom', 'TV\u202Eevil', 42]) {
      const res = await post(tv, '/auth/device', { label });
      expect(res.status, String(label)).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const notJson = await fetch(`${tv}/auth/device`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const get = await fetch(`${tv}/auth/device`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('an unknown session token is 401 SESSION_EXPIRED', async () => {
    const res = await tvHome(tv, 'A'.repeat(43));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="concierge", error="invalid_token"/);
  });

  it('POST /auth/device/logout revokes the refresh token at the provider and ends the session', async () => {
    const { token } = await signInTv(tv, 'u_304');
    const refreshToken = await refreshTokenOf(token);
    await stack.mocks.resetCounters();
    const out = await post(tv, '/auth/device/logout', undefined, { authorization: `Bearer ${token}` });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    expect((await stack.mocks.counters('identity')).routes['POST /token/revocation']).toBe(1);
    expect(await providerTakes(stack.mocks.urls.identity, 'tv', refreshToken)).toBe('invalid_grant');
    const after = await tvHome(tv, token);
    expect(after.status).toBe(401);
    expect(after.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
    expect((await post(tv, '/auth/device/logout', undefined, { authorization: `Bearer ${token}` })).body).toEqual({ signedOut: false });
  });

  describe('the web account, sharing the TV BFF\'s sessions on Redis', () => {
    it('lists the viewer\'s TV by a handle that is not its credential, signs it out, and the TV\'s next request is 401 SESSION_EXPIRED', async () => {
      const label = `Bedroom TV ${RUN}`;
      const { token } = await signInTv(tv, 'u_305', label);
      const owner = await signIn(web, { username: 'u_305' });

      const listed = await graphqlWithCookie(web, owner.sessionId, { query: DEVICES });
      expect(listed.status).toBe(200);
      expect(listed.body.errors).toBeUndefined();
      const devices = listed.body.data.account.devices as { id: string; label: string; signedInAt: string; lastSeenAt: string }[];
      expect(devices).toEqual([{ id: expect.stringMatching(/^dev_[\w-]{22}$/), label, signedInAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
      expect(JSON.stringify(listed.body)).not.toContain(token);
      // The web session is not listed: only TVs.
      const [device] = devices;

      // Another account cannot sign it out: the same answer as for an id that names nothing.
      const stranger = await signIn(web, { username: 'u_306' });
      const refused = await graphqlWithCookie(web, stranger.sessionId, { query: SIGN_OUT, variables: { id: device!.id } });
      expect(refused.body).toEqual({ data: { signOutDevice: { id: device!.id, signedOut: false } } });
      expect((await graphqlWithCookie(web, stranger.sessionId, { query: DEVICES })).body.data.account.devices).toEqual([]);
      expect((await tvHome(tv, token)).status).toBe(200);

      const signedOut = await graphqlWithCookie(web, owner.sessionId, { query: SIGN_OUT, variables: { id: device!.id } });
      expect(signedOut.body).toEqual({ data: { signOutDevice: { id: device!.id, signedOut: true } } });
      const after = await tvHome(tv, token);
      expect(after.status).toBe(401);
      expect(after.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
      expect((await graphqlWithCookie(web, owner.sessionId, { query: DEVICES })).body.data.account.devices).toEqual([]);
      // Again: nothing left to sign out.
      expect((await graphqlWithCookie(web, owner.sessionId, { query: SIGN_OUT, variables: { id: device!.id } })).body.data.signOutDevice.signedOut).toBe(false);
    });

    it('a label holding HTML is stored and answered as text, exactly as the TV sent it: neither stripped nor escaped, in JSON', async () => {
      const label = `<img src=x onerror="alert(1)"> & 'Kids' ${RUN}`;
      await signInTv(tv, 'u_304', label);
      const owner = await signIn(web, { username: 'u_304' });
      const listed = await graphqlWithCookie(web, owner.sessionId, { query: DEVICES });
      expect(listed.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
      expect((listed.body.data.account.devices as { label: string }[]).map((device) => device.label)).toContain(label);
    });

    it('a web session id is no TV credential, and a TV session token is no web cookie', async () => {
      const { token } = await signInTv(tv, 'u_305');
      const browser = await signIn(web, { username: 'u_305' });
      const asTv = await tvHome(tv, browser.sessionId);
      expect(asTv.status).toBe(401);
      expect(asTv.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
      const asWeb = await graphqlWithCookie(web, token, { query: DEVICES });
      expect(asWeb.status).toBe(401);
      expect(asWeb.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
      expect(asWeb.headers.getSetCookie()).toEqual([`${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`]);
      // Neither was ended by the attempt.
      expect((await tvHome(tv, token)).status).toBe(200);
      expect((await graphqlWithCookie(web, browser.sessionId, { query: DEVICES })).status).toBe(200);
    });

    it("a TV signed out from the web account: its refresh token is revoked at the provider, by the TV BFF, which alone can open it", async () => {
      const label = `Attic TV ${RUN}`;
      const { token } = await signInTv(tv, 'u_302', label);
      const refreshToken = await refreshTokenOf(token);
      const owner = await signIn(web, { username: 'u_302' });
      const devices = (await graphqlWithCookie(web, owner.sessionId, { query: DEVICES })).body.data.account.devices as { id: string; label: string }[];
      const device = devices.find((listed) => listed.label === label)!;
      await stack.mocks.resetCounters();
      const signedOut = await graphqlWithCookie(web, owner.sessionId, { query: SIGN_OUT, variables: { id: device.id } });
      expect(signedOut.body).toEqual({ data: { signOutDevice: { id: device.id, signedOut: true } } });
      expect((await tvHome(tv, token)).status).toBe(401);
      // The TV BFF reads what web ended every 2 s and revokes it. Waited for at the provider's
      // revocation endpoint: asking the provider to refresh first would spend (rotate) the token.
      await expect.poll(async () => (await stack.mocks.counters('identity')).routes['POST /token/revocation'] ?? 0, { timeout: 8_000, interval: 250 }).toBeGreaterThanOrEqual(1);
      expect(await providerTakes(stack.mocks.urls.identity, 'tv', refreshToken)).toBe('invalid_grant');
    });

    it('a web sign-out revokes the refresh token at the provider, and so does a sign-in that replaces a session', async () => {
      const first = await signIn(web, { username: 'u_302' });
      const firstRefresh = await refreshTokenOf(first.sessionId);
      // The same browser signs in again (the provider remembers it: no login page): the callback ends the session it had.
      const toCallback = await first.browser.get(`${web}/auth/login?returnTo=/account`, `${web}/auth/callback`);
      const callback = await first.browser.request(toCallback.location!);
      const second = { sessionId: cookieValue(callback, SESSION_COOKIE)! };
      expect(second.sessionId).toMatch(/^[\w-]{43}$/);
      expect(await providerTakes(stack.mocks.urls.identity, 'web', firstRefresh)).toBe('invalid_grant');
      const secondRefresh = await refreshTokenOf(second.sessionId);
      const out = await fetch(`${web}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${second.sessionId}`, 'x-csrf': '1' } });
      expect(out.status).toBe(200);
      expect(await providerTakes(stack.mocks.urls.identity, 'web', secondRefresh)).toBe('invalid_grant');
    });

    it("web's /auth/logout, /auth/session and /auth/callback leave a TV session named by the cookie alone", async () => {
      const { token } = await signInTv(tv, 'u_303');
      const cookie = { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf': '1' };
      const logout = await fetch(`${web}/auth/logout`, { method: 'POST', headers: cookie });
      expect(logout.status).toBe(200);
      expect(((await logout.json()) as any).signedOut).toBe(true);
      const session = await fetch(`${web}/auth/session`, { headers: cookie });
      expect(await session.json()).toEqual({ signedIn: false });
      // A browser whose cookie names the TV's session signs in: it gets a session of its own, and the TV's is not ended.
      const browser = new Browser();
      browser.jar.store(web, new Headers({ 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/` }));
      const signedIn = await signIn(web, { username: 'u_303', browser });
      expect(signedIn.sessionId).toMatch(/^[\w-]{43}$/);
      expect(signedIn.sessionId).not.toBe(token);
      const home = await tvHome(tv, token);
      expect(home.status).toBe(200);
      expect(home.body.errors).toBeUndefined();
    });
  });

  describe('under NODE_ENV=production', () => {
    it('TV refuses a JWT bearer token, its own audience included: 401 SESSION_REQUIRED', async () => {
      for (const jwt of [await stack.mocks.token('u_1', { aud: 'tv' }), await stack.mocks.token('u_1')]) {
        const res = await tvHome(productionTv, jwt);
        expect(res.status).toBe(401);
        expect(res.body.errors[0].extensions.code).toBe('SESSION_REQUIRED');
      }
      const none = await fetch(`${productionTv}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TV_HOME }) });
      expect(none.status).toBe(401);
      expect(((await none.json()) as any).errors[0].extensions.code).toBe('SESSION_REQUIRED');
    });

    it('and takes its device sessions', async () => {
      const { token } = await signInTv(productionTv, 'u_301');
      const home = await tvHome(productionTv, token);
      expect(home.status).toBe(200);
      expect(home.body.errors).toBeUndefined();
    });
  });
});
