/**
 * Walks identity's sign-in pages up to one step and stops there, so a test can make the next
 * call itself (the contract test documents each step's answer). Each walk uses a fresh browser;
 * `at` is the next call's path (relative to identity) and `cookie` the header it needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Browser, formOf, type Page } from './oidc-browser.ts';

export const WEB_DEV_SECRET = 'concierge-web-dev-secret';
export const TV_DEV_SECRET = 'concierge-tv-dev-secret';
/** The web client's registered redirect URI when the mocks run without WEB_REDIRECT_URIS. */
export const WEB_DEFAULT_REDIRECT = 'http://127.0.0.1:4000/auth/callback';
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

export interface Stop {
  browser: Browser;
  /** The next call's path and query, relative to identity. */
  at: string;
  /** The cookie header of that call. */
  cookie: string;
  /** The fields of the form on the last page, when there was one. */
  fields: Record<string, string>;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `/auth?…` for the web client with PKCE S256: what a sign-in starts with. */
export function webAuthorizationPath({ challenge }: Pkce, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    client_id: 'web',
    response_type: 'code',
    redirect_uri: WEB_DEFAULT_REDIRECT,
    scope: 'openid profile concierge:user',
    state: 'contract',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `/auth?${query}`;
}

export class IdentitySteps {
  constructor(private readonly identity: () => string) {}

  private stop(browser: Browser, location: string, page?: Page): Stop {
    const url = new URL(location, this.identity());
    const fields = page && /<form\b/i.test(page.text) ? formOf(page).fields : {};
    return { browser, at: `${url.pathname}${url.search}`, cookie: browser.jar.header(url.href), fields };
  }

  private async expectRedirect(page: Page, to: RegExp): Promise<string> {
    if (!page.location || !to.test(new URL(page.location).pathname)) {
      throw new Error(`expected a redirect to ${to} from ${page.url}, got ${page.status} ${page.location ?? page.text.slice(0, 200)}`);
    }
    return page.location;
  }

  /** At the login page: GET /auth redirected to `/interaction/{uid}`. */
  async atLogin(code = pkce()): Promise<Stop> {
    const browser = new Browser();
    const started = await browser.request(`${this.identity()}${webAuthorizationPath(code)}`);
    return this.stop(browser, await this.expectRedirect(started, /^\/interaction\/[^/]+$/));
  }

  /** Signed in: the login form posted, the provider's `/auth/{uid}` next. */
  async afterLogin(code = pkce()): Promise<Stop> {
    const login = await this.atLogin(code);
    const posted = await login.browser.request(`${this.identity()}${login.at}/login`, { form: { username: 'u_1', password: 'dev-password' } });
    return this.stop(login.browser, await this.expectRedirect(posted, /^\/auth\/[^/]+$/));
  }

  /** At the consent step: `/auth/{uid}` redirected to the next `/interaction/{uid}`. */
  async atConsent(): Promise<Stop> {
    const signedIn = await this.afterLogin();
    const resumed = await signedIn.browser.request(`${this.identity()}${signedIn.at}`);
    return this.stop(signedIn.browser, await this.expectRedirect(resumed, /^\/interaction\/[^/]+$/));
  }

  /** A whole web sign-in: the authorization code and its verifier. */
  async webCode(): Promise<{ code: string; verifier: string }> {
    const code = pkce();
    const login = await this.atLogin(code);
    const page = await login.browser.request(`${this.identity()}${login.at}`);
    const back = await login.browser.submit(page, { username: 'u_1', password: 'dev-password' }, { stopAt: WEB_DEFAULT_REDIRECT });
    const value = back.location && new URL(back.location).searchParams.get('code');
    if (!value) throw new Error(`no code: ${back.status} ${back.location ?? back.text.slice(0, 200)}`);
    return { code: value, verifier: code.verifier };
  }

  /** At the device code form: GET /device, with its session cookie and `xsrf`. */
  async deviceForm(): Promise<Stop> {
    const browser = new Browser();
    const page = await browser.request(`${this.identity()}/device`);
    return this.stop(browser, '/device', page);
  }

  /** A device sign-in through login and consent, stopped before the last `/device/{uid}` (the success page). */
  async deviceAfterConsent(): Promise<Stop> {
    const res = await fetch(`${this.identity()}/device/auth`, {
      method: 'POST',
      headers: { ...formHeaders, authorization: basic('tv', TV_DEV_SECRET) },
      body: new URLSearchParams({ scope: 'openid concierge:user' }),
    });
    const { verification_uri_complete: complete } = (await res.json()) as { verification_uri_complete: string };
    const browser = new Browser();
    const confirm = await browser.submit(await browser.request(complete));
    const toLogin = await browser.request(formOf(confirm, 'op.deviceConfirmForm').action, { form: formOf(confirm, 'op.deviceConfirmForm').fields });
    const login = await browser.request(await this.expectRedirect(toLogin, /^\/interaction\/[^/]+$/));
    const posted = await browser.submit(login, { username: 'u_1', password: 'dev-password' }, { stopAt: `${this.identity()}/device/` });
    const toConsent = await browser.request(await this.expectRedirect(posted, /^\/device\/[^/]+$/));
    const consented = await browser.request(await this.expectRedirect(toConsent, /^\/interaction\/[^/]+$/));
    return this.stop(browser, await this.expectRedirect(consented, /^\/device\/[^/]+$/));
  }

  /** At the sign-out confirmation: GET /session/end without a session gives a form of `xsrf` and `logout`. */
  async logoutForm(): Promise<Stop> {
    const browser = new Browser();
    const page = await browser.request(`${this.identity()}/session/end`);
    return this.stop(browser, '/session/end/confirm', page);
  }
}
