import * as oauth from 'openid-client';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { concierge } from '../errors.ts';
import type { CorsPolicy } from '../perimeter/cors.ts';
import { refuseCrossSiteSession } from './stages/csrf.ts';
import type { Session, SessionStore } from '../stores/sessions/session-store.ts';
import type { TokenCipher } from '../stores/sessions/token-cipher.ts';
import { failure, failureOf, json } from './answers.ts';
import { clearedLoginCookie, clearedSessionCookie, LOGIN_COOKIE, loginCookie, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.ts';
import { LOGIN_TTL_SECONDS, openLoginState, sealLoginState } from './login-state.ts';
import type { OidcClient } from './oidc.ts';
import { localPath } from './return-to.ts';
import { SIGNED_OUT_PATH, signedOutPage } from './signed-out-page.ts';

export interface SignInRoutesOptions {
  /** `web` */
  client: string;
  oidc: OidcClient;
  sessions: SessionStore;
  cipher: TokenCipher;
  cors: CorsPolicy;
  /** Where the browser reaches this BFF (`WEB_PUBLIC_URL`); else the request's own origin (development). */
  publicUrl?: string;
  logger: Logger;
  now?: () => number;
}

const MAX_LOGOUT_BODY_BYTES = 16 * 1024;

export const SIGN_IN_ROUTES = ['/auth/login', '/auth/callback', '/auth/session', '/auth/logout', '/auth/backchannel-logout', SIGNED_OUT_PATH] as const;

/**
 * The web BFF's sign-in endpoints, beside /graphql (OAuth 2.0 for Browser-Based Apps, §6.1: the
 * BFF is the confidential client, the browser gets an opaque session cookie and never a token).
 *
 *   GET  /auth/login?returnTo=/path   to the provider, with PKCE (S256), state and nonce
 *   GET  /auth/callback               state, nonce and PKCE checked; a new session; to returnTo
 *   GET  /auth/session                { signedIn, user: { id, name }, expiresAt }; never a token
 *   POST /auth/logout                 refresh token revoked, session ended, cookie cleared; the provider's end-session URL
 *   POST /auth/backchannel-logout     the provider's logout token verified; every matching session ended, on every replica
 *   GET  /auth/signed-out             where the provider sends the browser back after a sign-out: a small page
 *
 * These are not GraphQL requests, so they are yoga's alone; what GraphQL requests must hold (the
 * cookie's CSRF rule, the session's viewer) is in the perimeter, on both paths.
 */
export function useSignInRoutes(options: SignInRoutesOptions): Plugin {
  const { client, oidc, sessions, cipher, cors, logger, now = Date.now } = options;
  const routes = new Set<string>(SIGN_IN_ROUTES);

  const originOf = (url: URL) => (options.publicUrl ?? url.origin).replace(/\/$/, '');
  const redirectUriOf = (url: URL) => `${originOf(url)}/auth/callback`;

  async function login(request: Request, url: URL, Response: typeof globalThis.Response) {
    const returnTo = localPath(url.searchParams.get('returnTo'));
    const state = { state: oauth.randomState(), nonce: oauth.randomNonce(), codeVerifier: oauth.randomPKCECodeVerifier(), returnTo, startedAt: now() };
    const location = await oidc.authorizationUrl({ redirectUri: redirectUriOf(url), ...state }).catch((error: unknown) => {
      logger.warn({ err: error }, 'sign-in: the provider could not be discovered');
      throw concierge('IDENTITY_UNAVAILABLE', 'Sign-in is unavailable: identity does not answer; retry later.', {}, { headers: { 'retry-after': '2' } });
    });
    return redirect(Response, location.toString(), [loginCookie(sealLoginState(cipher, state), LOGIN_TTL_SECONDS)]);
  }

  async function callback(request: Request, url: URL, Response: typeof globalThis.Response) {
    const pending = openLoginState(cipher, readCookie(request.headers, LOGIN_COOKIE), now());
    if (!pending) throw concierge('SIGN_IN_FAILED', 'No sign-in is in progress in this browser, or it started over 10 minutes ago: start again at /auth/login.');
    // Checked again where it is answered: a sign-in sealed by an earlier version (a looser check) ends on this site too.
    const returnTo = localPath(pending.returnTo);
    const providerError = url.searchParams.get('error');
    if (providerError) throw concierge('SIGN_IN_FAILED', `The provider did not sign you in (${providerError.slice(0, 64)}): start again at /auth/login.`);
    // The URL the provider redirected to, as registered: openid-client compares it with redirect_uri.
    const callbackUrl = new URL(`${redirectUriOf(url)}${url.search}`);
    let signedIn: Awaited<ReturnType<OidcClient['exchangeCode']>>;
    try {
      signedIn = await oidc.exchangeCode(callbackUrl, pending);
    } catch (error) {
      logger.info({ err: error }, 'sign-in: the callback was refused');
      throw concierge('SIGN_IN_FAILED', 'The sign-in could not be completed (state, PKCE or the code was refused): start again at /auth/login.', {}, { headers: { 'set-cookie': clearedLoginCookie() } });
    }
    // Whatever session this browser held before (one planted by an attacker included) ends: the
    // signed-in session always gets a new id.
    const before = await ownSession(readCookie(request.headers, SESSION_COOKIE));
    if (before) await endSession(before);
    const session = await sessions.create({
      kind: 'browser',
      client,
      sub: signedIn.claims.sub,
      name: signedIn.claims.name ?? signedIn.claims.sub,
      ...(signedIn.claims.sid ? { sid: signedIn.claims.sid } : {}),
      tokens: { access: signedIn.access, refresh: signedIn.refresh, idToken: signedIn.idToken },
      accessExpiresAt: signedIn.accessExpiresAt,
    });
    return redirect(Response, returnTo, [sessionCookie(session.id, (session.expiresAt - now()) / 1000), clearedLoginCookie()]);
  }

  async function session(request: Request, Response: typeof globalThis.Response) {
    refuseCrossSiteSession(request.headers, cors);
    const id = readCookie(request.headers, SESSION_COOKIE);
    const found = await ownSession(id);
    if (!found) return json(Response, 200, { signedIn: false }, id ? [clearedSessionCookie()] : []);
    return json(Response, 200, { signedIn: true, user: { id: found.sub, name: found.name }, expiresAt: new Date(found.expiresAt).toISOString() });
  }

  async function logout(request: Request, url: URL, Response: typeof globalThis.Response) {
    refuseCrossSiteSession(request.headers, cors);
    const found = await ownSession(readCookie(request.headers, SESSION_COOKIE));
    if (found) await endSession(found);
    const endSessionUrl = await oidc.endSessionUrl({ postLogoutRedirectUri: `${originOf(url)}${SIGNED_OUT_PATH}` }).catch(() => undefined);
    return json(Response, 200, { signedOut: true, ...(endSessionUrl ? { endSessionUrl } : {}) }, [clearedSessionCookie()]);
  }

  /**
   * The browser session of this BFF the cookie names, else undefined. Web and TV share one store
   * on Redis: a TV's session id planted as the cookie is not ended, refreshed or shown here.
   */
  async function ownSession(id: string | undefined): Promise<Session | undefined> {
    const found = id ? await sessions.get(id) : undefined;
    return found?.kind === 'browser' && found.client === client ? found : undefined;
  }

  async function endSession(session: Session) {
    if (session.tokens.refresh) {
      // Revoked first, so a copy of the session record that survived somewhere is useless.
      await oidc.revoke(session.tokens.refresh).catch((error: unknown) => logger.warn({ err: error }, 'sign-out: the refresh token could not be revoked'));
    }
    await sessions.delete(session.id);
  }

  async function backchannelLogout(request: Request, Response: typeof globalThis.Response) {
    // A logout token is a few hundred bytes: a body of unknown or larger size is not read.
    const length = Number(request.headers.get('content-length') ?? NaN);
    if (!(length <= MAX_LOGOUT_BODY_BYTES)) throw concierge('REQUEST_TOO_LARGE', `A logout request is at most ${MAX_LOGOUT_BODY_BYTES} bytes, with its Content-Length.`);
    const form = new URLSearchParams(await request.text());
    const token = form.get('logout_token');
    let claims: { sub?: string; sid?: string };
    try {
      if (!token) throw new Error('no logout_token');
      claims = await oidc.verifyLogoutToken(token);
    } catch (error) {
      logger.warn({ err: error }, 'back-channel logout: the logout token was refused');
      throw concierge('LOGOUT_TOKEN_INVALID', 'The logout token could not be verified.');
    }
    const ended = claims.sid ? await sessions.deleteWhere({ sid: claims.sid, client }) : await sessions.deleteWhere({ sub: claims.sub!, client });
    logger.info({ sub: claims.sub, sid: claims.sid, ended }, 'back-channel logout');
    return json(Response, 200, { ended });
  }

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!routes.has(url.pathname)) return;
      const method = url.pathname === '/auth/logout' || url.pathname === '/auth/backchannel-logout' ? 'POST' : 'GET';
      if (request.method !== method) return endResponse(failure(fetchAPI.Response, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${method}.`, { allow: method }));
      const answer = (() => {
        switch (url.pathname) {
          case '/auth/login':
            return login(request, url, fetchAPI.Response);
          case '/auth/callback':
            return callback(request, url, fetchAPI.Response);
          case '/auth/session':
            return session(request, fetchAPI.Response);
          case '/auth/logout':
            return logout(request, url, fetchAPI.Response);
          case SIGNED_OUT_PATH:
            return Promise.resolve(signedOutPage(fetchAPI.Response));
          default:
            return backchannelLogout(request, fetchAPI.Response);
        }
      })();
      return answer.then(endResponse, (error: unknown) => endResponse(failureOf(fetchAPI.Response, error)));
    },
  };
}

function redirect(Response: typeof globalThis.Response, location: string, cookies: string[]): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { status: 302, headers });
}
