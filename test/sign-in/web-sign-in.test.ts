import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createWebBff } from '../../bffs/web/bff.ts';
import { testConfig } from '../support/bffs.ts';
import { Browser } from '../support/oidc-browser.ts';
import { originOf } from '../support/served.ts';
import { cookieValue, graphqlWithCookie, SESSION_COOKIE, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

/**
 * The web BFF as an OAuth confidential client (OAuth 2.0 for Browser-Based Apps §6.1), against
 * identity's real OpenID provider, over real HTTP: the browser gets an opaque session cookie and
 * never a token; the attacks of the sign-in issue are each refused with their code.
 */

const ACCOUNT = '{ account { profile { name } email } }';
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

describe('web sign-in', () => {
  let stack: SignInStack;
  let origin: string;

  beforeAll(async () => {
    stack = await startSignInStack();
    origin = stack.replicas[0]!.origin;
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.mocks.resetCounters());

  it('/auth/login redirects to the provider with PKCE (S256), state, nonce and its resource, and seals them in a Lax cookie', async () => {
    const login = await new Browser().request(`${origin}/auth/login?returnTo=/account`);
    expect(login.status).toBe(302);
    const to = new URL(login.location!);
    expect(to.origin).toBe(stack.mocks.urls.identity);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: 'web',
      response_type: 'code',
      redirect_uri: `${origin}/auth/callback`,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.stringMatching(/^[\w-]{20,}$/),
      nonce: expect.stringMatching(/^[\w-]{20,}$/),
      resource: 'urn:concierge:bff:web',
    });
    const [cookie] = login.headers.getSetCookie();
    expect(cookie).toMatch(/^__Host-concierge-login=v1\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // Sealed: neither the verifier nor the state can be read from it.
    expect(cookie).not.toContain(to.searchParams.get('state')!);
  });

  it('signs in: a new opaque session cookie with exact attributes, a redirect to returnTo, and no token anywhere the browser sees', async () => {
    const { callback, sessionId } = await signIn(origin, { username: 'u_42', returnTo: '/account?tab=billing' });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${origin}/account?tab=billing`);
    const cookies = callback.headers.getSetCookie();
    expect(cookies).toEqual([
      `${SESSION_COOKIE}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200`,
      '__Host-concierge-login=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0',
    ]);
    expect(sessionId).toMatch(/^[\w-]{43}$/);
    expect(callback.text).toBe('');
    expect(JSON.stringify([...callback.headers])).not.toMatch(JWT);

    const session = await fetch(`${origin}/auth/session`, { headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' } });
    const text = await session.text();
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(text)).toEqual({ signedIn: true, user: { id: 'u_42', name: expect.any(String) }, expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(text).not.toMatch(JWT);

    const account = await graphqlWithCookie(origin, sessionId, { query: ACCOUNT });
    expect(account.status).toBe(200);
    expect(account.body.errors).toBeUndefined();
    expect(account.body.data.account.profile.name).toBe(JSON.parse(text).user.name);
    expect(JSON.stringify(account.body)).not.toMatch(JWT);
  });

  it('/auth/session without a cookie says signed out', async () => {
    const res = await fetch(`${origin}/auth/session`);
    expect(await res.json()).toEqual({ signedIn: false });
  });

  describe('CSRF: the cookie needs X-CSRF: 1 and an allowed origin, on every request, GET included; nothing executes otherwise', () => {
    let sessionId: string;
    beforeAll(async () => {
      ({ sessionId } = await signIn(origin));
    });

    it('a POST with the cookie and no X-CSRF is 403 CSRF_REJECTED, and no service is called', async () => {
      await stack.mocks.resetCounters();
      const res = await graphqlWithCookie(origin, sessionId, { query: ACCOUNT }, { 'x-csrf': '' });
      expect(res.status).toBe(403);
      expect(res.body.errors.map((e: any) => e.extensions.code)).toEqual(['CSRF_REJECTED']);
      expect((await stack.mocks.counters('users')).total).toBe(0);
    });

    it('a GET with the cookie and no X-CSRF is refused too', async () => {
      const res = await fetch(`${origin}/graphql?query=${encodeURIComponent(ACCOUNT)}`, { headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, accept: 'application/graphql-response+json' } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('CSRF_REJECTED');
    });

    it('the cookie from a foreign origin is refused even with X-CSRF', async () => {
      const res = await graphqlWithCookie(origin, sessionId, { query: ACCOUNT }, { origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('CSRF_REJECTED');
    });

    it('/auth/session and /auth/logout hold the same rule', async () => {
      const session = await fetch(`${origin}/auth/session`, { headers: { cookie: `${SESSION_COOKIE}=${sessionId}` } });
      expect(session.status).toBe(403);
      const logout = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, origin: 'https://evil.example', 'x-csrf': '1' } });
      expect(logout.status).toBe(403);
      // The session survived both.
      expect((await graphqlWithCookie(origin, sessionId, { query: ACCOUNT })).status).toBe(200);
    });
  });

  describe('the sign-in attacks', () => {
    it('a returnTo off this site, as given or once resolved, is refused at /auth/login (400 RETURN_TO_REFUSED): no callback ever answers it as its Location', async () => {
      const browser = new Browser();
      // A first sign-in leaves a session at the provider: from then on the provider sends this
      // browser straight back to the callback, with no click, to whatever the callback answers.
      await signIn(origin, { browser });
      /** Where the sign-in ends: the refusal, or the callback's Location as the browser gets it. */
      const landing = async (returnTo: string) => {
        const login = await browser.request(`${origin}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
        if (login.status !== 302) return { status: login.status, code: (JSON.parse(login.text) as any).errors?.[0]?.extensions?.code };
        const toCallback = await browser.follow(login, `${origin}/auth/callback`);
        if (!toCallback.location?.startsWith(`${origin}/auth/callback`)) throw new Error(`the provider asked for a click: ${toCallback.status}`);
        const callback = await browser.request(toCallback.location);
        return { status: callback.status, location: callback.headers.get('location') };
      };
      const offSite = [
        'https://evil.example/', '//evil.example/', '/\\evil.example', '/%5Cevil', 'javascript:alert(1)', '\t/x',
        // Resolved (dot segments gone, or decoded once more), each is `//evil.example/…`: another site to a browser.
        '/.//evil.example/x', '/..//evil.example/x', '/%2e//evil.example/x', '/a/..//evil.example/x', '/.%2F/evil.example/x',
      ];
      for (const returnTo of offSite) expect({ returnTo, ...(await landing(returnTo)) }).toEqual({ returnTo, status: 400, code: 'RETURN_TO_REFUSED' });
      // A local path is answered as resolved, on this site.
      expect(await landing('/a/b/../../account?tab=tv')).toEqual({ status: 302, location: '/account?tab=tv' });
    });

    it('a callback whose state was tampered with is 400 SIGN_IN_FAILED, and no session is made', async () => {
      const browser = new Browser();
      const login = await browser.request(`${origin}/auth/login`);
      const page = await browser.follow(login, `${origin}/auth/callback`);
      const toCallback = await browser.submit(page, { username: 'u_42', password: 'dev-password' }, { stopAt: `${origin}/auth/callback` });
      const forged = new URL(toCallback.location!);
      forged.searchParams.set('state', 'an-attackers-state-value-000000000');
      const callback = await browser.request(forged.href);
      expect(callback.status).toBe(400);
      expect(JSON.parse(callback.text).errors[0].extensions.code).toBe('SIGN_IN_FAILED');
      expect(cookieValue(callback, SESSION_COOKIE)).toBeUndefined();
    });

    it('a callback in a browser that never started the sign-in (no sealed verifier) is refused', async () => {
      const { toCallback } = await signInUntilCallback();
      const stranger = new Browser();
      const callback = await stranger.request(toCallback.location!);
      expect(callback.status).toBe(400);
      expect(JSON.parse(callback.text).errors[0].extensions.code).toBe('SIGN_IN_FAILED');
    });

    it('a replayed authorization code is refused, and the provider revokes what the first use got: that session ends on its next refresh', async () => {
      const first = await signIn(origin);
      expect(first.callback.status).toBe(302);
      // The same callback again, with the login cookie the browser had for it.
      const replay = await fetch(first.toCallback.location!, { headers: { cookie: first.login.headers.getSetCookie()[0]!.split(';')[0]! }, redirect: 'manual' });
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as any).errors[0].extensions.code).toBe('SIGN_IN_FAILED');
    });

    it('a session fixed before login is not the one signed in: the planted id stops working and the victim gets a new one', async () => {
      const attacker = await signIn(origin, { username: 'u_666' });
      const victim = new Browser();
      // The attacker planted their own session cookie in the victim's browser.
      victim.jar.store(origin, new Headers({ 'set-cookie': `${SESSION_COOKIE}=${attacker.sessionId}; Path=/` }));
      const signedIn = await signIn(origin, { username: 'u_42', browser: victim });
      expect(signedIn.sessionId).toMatch(/^[\w-]{43}$/);
      expect(signedIn.sessionId).not.toBe(attacker.sessionId);
      const planted = await graphqlWithCookie(origin, attacker.sessionId, { query: ACCOUNT });
      expect(planted.status).toBe(401);
      expect(planted.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
      const mine = await graphqlWithCookie(origin, signedIn.sessionId, { query: ACCOUNT });
      expect(mine.body.data.account.profile.name).toEqual(expect.any(String));
    });

    it('a made-up or malformed cookie is 401 SESSION_EXPIRED, and the cookie is cleared', async () => {
      for (const id of ['A'.repeat(43), 'not-a-session', '']) {
        const res = await graphqlWithCookie(origin, id || 'x', { query: ACCOUNT });
        expect(res.status).toBe(401);
        expect(res.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
        expect(res.headers.getSetCookie()).toEqual([`${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`]);
      }
    });

    it("a mobile app's token is refused by the web BFF, and a web token by mobile's audience check", async () => {
      const mobileToken = await stack.mocks.token('u_42', { aud: 'mobile' });
      const res = await fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${mobileToken}` }, body: JSON.stringify({ query: ACCOUNT }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('INVALID_TOKEN');
      const webToken = await stack.mocks.token('u_42', { aud: 'web' });
      const ok = await fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${webToken}` }, body: JSON.stringify({ query: ACCOUNT }) });
      expect(ok.status).toBe(200);
    });
  });

  describe('signing out', () => {
    it('POST /auth/logout revokes the refresh token at the provider, ends the session, clears the cookie and answers the end-session URL', async () => {
      const { sessionId } = await signIn(origin);
      await stack.mocks.resetCounters();
      const res = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.signedOut).toBe(true);
      const end = new URL(body.endSessionUrl);
      expect(end.origin).toBe(stack.mocks.urls.identity);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/auth/signed-out`);
      // It names the client, not the user's ID token: no token reaches the page, even on sign-out.
      expect(end.searchParams.get('client_id')).toBe('web');
      expect(end.searchParams.has('id_token_hint')).toBe(false);
      expect(body.endSessionUrl).not.toMatch(JWT);
      expect(res.headers.getSetCookie()).toEqual([`${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`]);
      const identity = await stack.mocks.counters('identity');
      expect(identity.routes['POST /token/revocation']).toBe(1);

      const after = await graphqlWithCookie(origin, sessionId, { query: ACCOUNT });
      expect(after.status).toBe(401);
      expect(after.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
    });

    it('after signing out at the provider the browser lands on the BFF\'s signed-out page, which answers 200 with a link to sign in again', async () => {
      const { sessionId, browser } = await signIn(origin);
      const out = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' } });
      const { endSessionUrl } = (await out.json()) as { endSessionUrl: string };
      const confirm = await browser.get(endSessionUrl);
      const back = await browser.submit(confirm, { logout: 'yes' }, { id: 'op.logoutForm', stopAt: origin });
      expect(back.location).toBe(`${origin}/auth/signed-out`);
      const landed = await browser.request(back.location!);
      expect(landed.status).toBe(200);
      expect(landed.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(landed.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(landed.text).toContain('<a href="/auth/login">Sign in again</a>');
      const post = await fetch(`${origin}/auth/signed-out`, { method: 'POST' });
      expect(post.status).toBe(405);
    });

    it('signing out at the provider (RP-initiated logout) reaches the BFF by back-channel and ends the session there', async () => {
      const { sessionId, browser } = await signIn(origin);
      expect((await graphqlWithCookie(origin, sessionId, { query: ACCOUNT })).status).toBe(200);
      // The user signs out on the provider's own page, in the same browser.
      const logoutPage = await browser.get(`${stack.mocks.urls.identity}/session/end?client_id=web`);
      const done = await browser.submit(logoutPage, { logout: 'yes' }, { id: 'op.logoutForm' });
      expect(done.status).toBeLessThan(400);
      await expect.poll(async () => (await graphqlWithCookie(origin, sessionId, { query: ACCOUNT })).status, { timeout: 5_000 }).toBe(401);
    });

    it('a back-channel logout token that does not verify is 400 LOGOUT_TOKEN_INVALID and ends nothing', async () => {
      const { sessionId } = await signIn(origin);
      for (const body of ['logout_token=not.a.jwt', '', `logout_token=${await stack.mocks.token('u_42', { aud: 'web' })}`]) {
        const res = await fetch(`${origin}/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect(res.status).toBe(400);
        expect(((await res.json()) as any).errors[0].extensions.code).toBe('LOGOUT_TOKEN_INVALID');
      }
      const huge = await fetch(`${origin}/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `logout_token=${'x'.repeat(20_000)}` });
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as any).errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
      expect((await graphqlWithCookie(origin, sessionId, { query: ACCOUNT })).status).toBe(200);
    });
  });

  it('the sign-in routes are shed under load like /graphql (503 OVERLOADED), while /health answers', async () => {
    const bff = createWebBff(testConfig(stack.mocks.urls), { logger: pino({ level: 'silent' }), policy: { deadlineMs: 3_000, shedding: { maxInFlight: 1, maxEventLoopDelayMs: 10_000 } } });
    try {
      const at = await originOf(bff);
      const token = await stack.mocks.token('u_42', { aud: 'web' });
      await stack.mocks.setFaults('users', { hang: true });
      // One request in flight (its users call hangs until the deadline) fills the BFF.
      const busy = fetch(`${at}/graphql?query=${encodeURIComponent(ACCOUNT)}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/graphql-response+json' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const login = await fetch(`${at}/auth/login`, { redirect: 'manual' });
      expect(login.status).toBe(503);
      expect(((await login.json()) as any).errors[0].extensions.code).toBe('OVERLOADED');
      expect((await fetch(`${at}/health`)).status).toBe(200);
      await stack.mocks.clearFaults();
      await (await busy).arrayBuffer();
      expect((await fetch(`${at}/auth/login`, { redirect: 'manual' })).status).toBe(302);
    } finally {
      await stack.mocks.clearFaults();
      await bff.close();
    }
  });

  it('the sign-in routes have a per-address budget: over it, 429 RATE_LIMITED with Retry-After, before the provider is asked', async () => {
    const bff = createWebBff(testConfig(stack.mocks.urls, { signInBudget: { points: 3, windowSeconds: 60 } }), { logger: pino({ level: 'silent' }) });
    try {
      const at = await originOf(bff);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await fetch(`${at}/auth/login`, { redirect: 'manual' }));
      expect(answers.map((res) => res.status)).toEqual([302, 302, 302, 429]);
      expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"sign-in";q=3;w=60');
      expect(answers[2]!.headers.get('ratelimit')).toMatch(/^"sign-in";r=0;t=\d+$/);
      const refused = answers[3]!;
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await refused.json()) as any).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'sign-in' });
      // GraphQL is not counted against it.
      const token = await stack.mocks.token('u_42', { aud: 'web' });
      const graphql = await fetch(`${at}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: ACCOUNT }) });
      expect(graphql.status).toBe(200);
    } finally {
      await bff.close();
    }
  });

  /** The sign-in up to the provider's redirect back, not followed. */
  async function signInUntilCallback() {
    const browser = new Browser();
    const page = await browser.follow(await browser.request(`${origin}/auth/login`), `${origin}/auth/callback`);
    const toCallback = await browser.submit(page, { username: 'u_42', password: 'dev-password' }, { stopAt: `${origin}/auth/callback` });
    return { browser, toCallback };
  }
});
