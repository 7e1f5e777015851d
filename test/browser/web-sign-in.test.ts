import { existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../../scripts/prerequisites/debian-tools.ts';
import { SESSION_COOKIE, startSignInStack, type SignInStack } from '../support/sign-in.ts';

/**
 * The web sign-in as a person meets it: Debian's Chromium on web GraphiQL, the provider's own
 * login page (identity's real OpenID provider), the password, back to GraphiQL signed in with
 * the session cookie, over real HTTP on 127.0.0.1. The browser must end up with an opaque
 * cookie it cannot read and no token anywhere: not in its cookies, its storage, nor any
 * response it was given. Then sign-out, at the BFF and at the provider, ends the session.
 */

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A JWT anywhere in a text (its header and payload are base64url JSON objects). */
const JWT = /eyJ[\w-]+\.eyJ/;
const ACCOUNT = '{ account { profile { name } email } }';

/** Monaco renders non-breaking spaces; compare on plain text. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

/** What the page was sent: every response, with its headers and, where the browser keeps one, its body. */
interface Received {
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Absent for a redirect, a stream (GraphQL's, read in the page instead) or a body the browser no longer has. */
  body?: string;
}

/** What a fetch of the page (GraphiQL's, the note's, ours) received, read in the page. */
interface Fetched {
  url: string;
  contentType: string | null;
  status: number;
  text: string;
}

describe('web sign-in in headless Chromium, against the real provider', () => {
  let stack: SignInStack | undefined;
  let browser: Browser | undefined;
  let origin = '';
  let identity = '';
  let screenshots = '';
  /** Every request a page made that was not to this machine: must stay empty. */
  const offMachine: string[] = [];

  // One sign-in, followed step by step through the tests below.
  let context: BrowserContext;
  let page: Page;
  const received: Promise<Received>[] = [];
  /** What the pages' fetches received, handed over by the init script (it survives navigation, as the page's memory does not). */
  const fetched: Fetched[] = [];
  const pageErrors: string[] = [];
  let sessionId = '';
  let userName = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: npm test's pretest installs Debian's chromium (scripts/prerequisites/main.ts)`);
    screenshots = process.env.GRAPHIQL_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'graphiql-screens-')));
    stack = await startSignInStack();
    origin = stack.replicas[0]!.origin;
    identity = stack.mocks.urls.identity;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    context = await newContext();
    context.on('response', (response) => received.push(record(response)));
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A fresh context that stays on this machine and records what the page's fetches received. */
  async function newContext(): Promise<BrowserContext> {
    const fresh = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    await fresh.route('**/*', (route) => {
      const { protocol, hostname } = new URL(route.request().url());
      if ((protocol === 'http:' || protocol === 'https:') && hostname !== '127.0.0.1') {
        offMachine.push(route.request().url());
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    // A stream's body cannot be read back through the browser's protocol afterwards, nor any body
    // once the page has navigated on (sign-out does, right after /auth/logout): read them in the page.
    await fresh.exposeBinding('__conciergeFetched', (_source, entry: Fetched) => void fetched.push(entry));
    await fresh.addInitScript(() => {
      const original = window.fetch.bind(window);
      window.fetch = async (...args: Parameters<typeof fetch>) => {
        const response = await original(...args);
        const read = response
          .clone()
          .text()
          .then((text) => ((window as any).__conciergeFetched as (entry: Fetched) => Promise<void>)({ url: response.url, contentType: response.headers.get('content-type'), status: response.status, text }))
          .catch(() => undefined);
        // GraphQL's streams are handed to GraphiQL as they come; the rest only once the test has them.
        if (new URL(response.url).pathname !== '/graphql') await read;
        return response;
      };
    });
    return fresh;
  }

  async function record(response: Response): Promise<Received> {
    const url = response.url();
    const status = response.status();
    const isGraphql = new URL(url).pathname === '/graphql' && response.request().method() === 'POST';
    // Asked for at once: the browser drops a body when the page navigates on (as sign-out does right after /auth/logout).
    const [headers, body] = await Promise.all([
      response.allHeaders().catch(() => response.headers()),
      isGraphql || (status >= 300 && status < 400) ? undefined : response.text().catch(() => undefined),
    ]);
    return body === undefined ? { url, status, headers } : { url, status, headers, body };
  }


  async function waitForGraphiQL(on: Page): Promise<void> {
    await on.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: 45_000 });
    const headersEditor = on.locator('.monaco-editor[data-uri$="request-headers.json"] .view-lines');
    await expect.poll(async () => plain(await headersEditor.innerText()), { timeout: 15_000 }).toContain('"X-CSRF": "1"');
  }

  const whoOf = async (on: Page) => plain(await on.locator('#concierge-who').innerText());

  async function shoot(on: Page, name: string): Promise<void> {
    const file = join(screenshots, name);
    await on.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(5_000);
    console.info(`[test/browser/web-sign-in] screenshot: ${file}`);
  }

  it("signs in from GraphiQL on the provider's own login page, and comes back signed in", async () => {
    // `?as=none`: without it, development GraphiQL opens signed in as u_1 (test/browser/graphiql.test.ts).
    const opened = await page.goto(`${origin}/graphql?as=none`, { waitUntil: 'load' });
    expect(opened?.status()).toBe(200);
    await waitForGraphiQL(page);
    await expect.poll(() => whoOf(page), { timeout: 10_000 }).toBe('Not signed in.');
    await shoot(page, 'web-sign-in-1-signed-out.png');

    await page.locator('#concierge-sign-in').click();
    await page.waitForURL((url) => url.origin === identity && url.pathname.startsWith('/interaction/'), { timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(identity);
    expect(await page.locator('h1').innerText()).toBe('Sign in to Concierge');
    await page.locator('#username').fill('u_42');
    await page.locator('#password').fill('dev-password');
    await shoot(page, 'web-sign-in-2-provider-login.png');
    await page.locator('#login button[type="submit"]').click();

    // returnTo: back on GraphiQL, which now finds the session.
    await page.waitForURL(`${origin}/graphql`, { timeout: 15_000 });
    await waitForGraphiQL(page);
    await expect.poll(() => whoOf(page), { timeout: 10_000 }).toMatch(/^Signed in as .+ \(u_42\) until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    userName = /^Signed in as (.+) \(u_42\)/.exec(await whoOf(page))![1]!;
    expect(await page.locator('#concierge-sign-in').isVisible()).toBe(false);
    expect(await page.locator('#concierge-sign-out').isVisible()).toBe(true);
    // The session cookie, as the browser took it (a `__Host-` cookie is taken only when Secure, and loopback counts as a secure context).
    const cookie = (await context.cookies(origin)).find((c) => c.name === SESSION_COOKIE);
    expect(cookie, `no ${SESSION_COOKIE} in the browser: it refused the cookie`).toBeDefined();
    sessionId = cookie!.value;
    expect(pageErrors).toEqual([]);
    expect(offMachine).toEqual([]);
    await shoot(page, 'web-sign-in-3-signed-in.png');
  }, 120_000);

  it('runs the home document (deferred, multipart) and the account query with the cookie and X-CSRF: 1', async () => {
    expect(sessionId, 'the sign-in above did not complete').not.toBe('');
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' && (r.request().postData() ?? '').includes('WebHome'), { timeout: 20_000 });
    await page.locator('.graphiql-execute-button').click();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('multipart/mixed; boundary="-"');
    // The browser sent the cookie (which the page cannot see) and GraphiQL's X-CSRF, and no token.
    const sent = await response.request().allHeaders();
    expect(sent.cookie).toContain(`${SESSION_COOKIE}=${sessionId}`);
    expect(sent['x-csrf']).toBe('1');
    expect(sent.authorization).toBeUndefined();

    const pane = page.locator('.graphiql-response .monaco-editor .view-lines');
    await expect.poll(async () => plain(await pane.innerText()), { timeout: 15_000 }).toMatch(/"home"[\s\S]*"rows"/);
    expect(plain(await pane.innerText())).not.toContain('"errors"');
    await expect.poll(() => fetched.some((b) => b.contentType?.startsWith('multipart/mixed')), { timeout: 15_000 }).toBe(true);
    const home = fetched.findLast((b) => b.contentType?.startsWith('multipart/mixed'))!;
    const parts = home.text
      .split('\r\n---')
      .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4))
      .filter((json) => json.trim().startsWith('{'))
      .map((json) => JSON.parse(json));
    expect(parts[0]).toMatchObject({ hasNext: true, data: { home: { rows: expect.any(Array) } } });
    expect(parts[0].data.home.rows.length).toBeGreaterThan(0);
    expect(parts.some((part) => part.errors)).toBe(false);
    expect(parts.at(-1).hasNext).toBe(false);
    await shoot(page, 'web-sign-in-4-home.png');

    const account = await page.evaluate(async (query) => {
      const res = await fetch('/graphql', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'X-CSRF': '1' }, body: JSON.stringify({ query }) });
      return { status: res.status, body: await res.json() };
    }, ACCOUNT);
    expect(account.status).toBe(200);
    expect(account.body.errors).toBeUndefined();
    expect(account.body.data.account.profile.name).toBe(userName);
    expect(account.body.data.account.email).toEqual(expect.stringContaining('@'));
  }, 120_000);

  it('exposes no token to the page: not in document.cookie, storage, nor any response; the jar holds one opaque, locked-down session cookie', async () => {
    expect(sessionId, 'the sign-in above did not complete').not.toBe('');
    const inPage = await page.evaluate(() => ({
      cookie: document.cookie,
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
    }));
    expect(inPage.cookie).not.toMatch(JWT);
    expect(inPage.cookie).not.toContain(SESSION_COOKIE); // HttpOnly
    expect(inPage.cookie).not.toContain(sessionId);
    expect(JSON.stringify(inPage.local)).not.toMatch(JWT);
    expect(JSON.stringify(inPage.session)).not.toMatch(JWT);

    const responses = await Promise.all(received);
    // The whole round trip is in there: GraphiQL, /auth/login, the provider's pages and redirects, the callback, /auth/session.
    const paths = responses.map((r) => `${new URL(r.url).origin === identity ? 'identity' : 'bff'} ${new URL(r.url).pathname}`);
    expect(paths).toEqual(expect.arrayContaining(['bff /graphql', 'bff /auth/login', 'bff /auth/callback', 'bff /auth/session', 'identity /auth']));
    expect(paths.some((p) => p.startsWith('identity /interaction/'))).toBe(true);
    expect(responses.filter((r) => r.body !== undefined).length).toBeGreaterThan(5);
    for (const response of responses) {
      expect(response.url).not.toMatch(JWT);
      expect(JSON.stringify(response.headers), `headers of ${response.url}`).not.toMatch(JWT);
      if (response.body !== undefined) expect(response.body, `body of ${response.url}`).not.toMatch(JWT);
    }
    // What the page's fetches read (/auth/session, GraphiQL's introspection, the streamed home, the account query).
    const readPaths = fetched.map((f) => new URL(f.url).pathname);
    expect(readPaths.filter((p) => p === '/graphql').length).toBeGreaterThanOrEqual(3);
    expect(readPaths).toContain('/auth/session');
    for (const body of fetched) expect(body.text, `what ${body.url} gave the page`).not.toMatch(JWT);

    const cookies = await context.cookies();
    // Cookies are per host, not per port: the BFF's and the provider's (both on 127.0.0.1) share one list.
    const bffs = cookies.filter((c) => c.name.startsWith('__Host-concierge'));
    expect(bffs).toEqual([
      { name: SESSION_COOKIE, value: sessionId, domain: '127.0.0.1', path: '/', expires: expect.any(Number), secure: true, httpOnly: true, sameSite: 'Strict' },
    ]);
    expect(sessionId).toMatch(/^[\w-]{43}$/);
    expect(sessionId).not.toMatch(JWT);
    // The provider's own: its session and the sign-in's interaction (oidc-provider's, signed).
    const providers = cookies.filter((c) => !c.name.startsWith('__Host-concierge'));
    expect(providers.map((c) => c.name)).toContain('_session');
    for (const c of providers) {
      expect(c.name).toMatch(/^_(session|interaction|interaction_resume)(\.legacy)?(\.sig)?$/);
      expect(`${c.name}=${c.value}`).not.toMatch(JWT);
    }
  }, 60_000);

  it('signs out: the BFF ends the session, the provider confirms, and the old cookie is 401 SESSION_EXPIRED', async () => {
    expect(sessionId, 'the sign-in above did not complete').not.toBe('');
    const before = { received: received.length, fetched: fetched.length };
    const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/logout', { timeout: 15_000 });
    await page.locator('#concierge-sign-out').click();
    const logout = await loggedOut;
    expect(logout.status()).toBe(200);
    expect(logout.request().method()).toBe('POST');
    await page.waitForURL((url) => url.origin === identity && url.pathname === '/session/end', { timeout: 15_000 });
    expect(await page.locator('h1').innerText()).toBe('Sign out?');
    await shoot(page, 'web-sign-in-5-provider-logout.png');
    // The cookie went with /auth/logout's answer.
    expect((await context.cookies()).filter((c) => c.name === SESSION_COOKIE)).toEqual([]);

    await page.locator('button[form="op.logoutForm"][value="yes"]').click();
    // The provider sends the browser to the post-logout redirect URI registered for web.
    await page.waitForURL(`${origin}/auth/signed-out`, { timeout: 15_000 });
    // It lands on a page that answers, not on a 404.
    expect(await page.locator('h1').innerText()).toBe('You are signed out');
    expect(await page.locator('a').getAttribute('href')).toBe('/auth/login');
    await shoot(page, 'web-sign-in-6-signed-out.png');

    // Signing out put no token in front of the page either: the end-session request names the
    // client (client_id), not the user's ID token (no id_token_hint).
    const duringSignOut = await Promise.all(received.slice(before.received));
    const readDuringSignOut = fetched.slice(before.fetched);
    const exposed = [...duringSignOut.flatMap((r) => [r.url, JSON.stringify(r.headers), r.body ?? '']), ...readDuringSignOut.map((f) => f.text)].filter((text) => JWT.test(text));
    const logoutBody = readDuringSignOut.find((f) => new URL(f.url).pathname === '/auth/logout');
    expect(logoutBody?.status).toBe(200);
    const answer = JSON.parse(logoutBody!.text);
    expect(answer).toEqual({ signedOut: true, endSessionUrl: expect.any(String) });
    const endSessionUrl = new URL(answer.endSessionUrl);
    // The page went where the BFF said.
    expect(duringSignOut.map((r) => r.url)).toContain(endSessionUrl.href);
    expect(endSessionUrl.origin).toBe(identity);
    expect(endSessionUrl.pathname).toBe('/session/end');
    expect(endSessionUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/auth/signed-out`);
    expect(endSessionUrl.searchParams.get('client_id')).toBe('web');
    expect(endSessionUrl.searchParams.has('id_token_hint')).toBe(false);
    expect(exposed).toEqual([]);

    // The old cookie, put back in a browser that never signed out: the session is gone at the BFF.
    const again = await newContext();
    const other = await again.newPage();
    // A page on the BFF's origin that runs no script of its own (GraphiQL would ask /auth/session, which clears a dead cookie).
    expect((await other.goto(`${origin}/health`))?.status()).toBe(200);
    await again.addCookies([{ name: SESSION_COOKIE, value: sessionId, domain: '127.0.0.1', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' }]);
    expect((await again.cookies(origin)).map((c) => c.name)).toEqual([SESSION_COOKIE]);
    const account = await other.evaluate(async (query) => {
      const res = await fetch('/graphql', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'X-CSRF': '1' }, body: JSON.stringify({ query }) });
      return { status: res.status, body: await res.json() };
    }, ACCOUNT);
    expect(account.status).toBe(401);
    expect(account.body.data).toBeUndefined();
    expect(account.body.errors.map((e: any) => e.extensions.code)).toEqual(['SESSION_EXPIRED']);
    // ...and the BFF cleared it.
    expect((await again.cookies(origin)).filter((c) => c.name === SESSION_COOKIE)).toEqual([]);
    expect(offMachine).toEqual([]);
    await again.close();
  }, 120_000);
});
