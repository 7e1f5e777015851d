import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { freePort } from '../../bench/support/host.ts';
import { testConfig, TEST_NOW } from './bffs.ts';
import { startTestMocks, type TestMocks } from './mocks.ts';
import { Browser, type Page } from './oidc-browser.ts';
import { startBffProcess } from './processes.ts';

export const SESSION_COOKIE = '__Host-concierge-session';

export interface SignInStack {
  mocks: TestMocks;
  /** One web BFF per replica, each listening on its own port (`bff` absent when it is its own process). */
  replicas: { bff?: Bff; origin: string }[];
  close(): Promise<void>;
}

/**
 * The mocks (identity's real OpenID provider among them) and `replicas` web BFFs on ports chosen
 * first, so the provider is started knowing their redirect URIs; back-channel logout goes to the
 * first replica, as a load balancer would send it to any one.
 */
export async function startSignInStack({ replicas = 1, config = {}, mocksEnv = {}, processes = false }: { replicas?: number; config?: Partial<BffConfig>; mocksEnv?: NodeJS.ProcessEnv; /** Each replica as production runs it: `bffs/web/main.ts` in its own process (config.redisUrl passed as REDIS_URL). */ processes?: boolean } = {}): Promise<SignInStack> {
  const ports = await Promise.all(Array.from({ length: replicas }, () => freePort()));
  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  const mocks = await startTestMocks({
    WEB_REDIRECT_URIS: origins.map((origin) => `${origin}/auth/callback`).join(','),
    WEB_POST_LOGOUT_REDIRECT_URIS: origins.map((origin) => `${origin}/auth/signed-out`).join(','),
    WEB_BACKCHANNEL_LOGOUT_URI: `${origins[0]}/auth/backchannel-logout`,
    ...mocksEnv,
  });
  if (processes) {
    const env: Record<string, string> = {
      RATE_LIMIT_SIGN_IN: '1000000/60',
      ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : {}),
      ...(config.eventsPrefix ? { EVENTS_PREFIX: config.eventsPrefix } : {}),
      ...(config.liveSessionCheckMs ? { LIVE_SESSION_CHECK_MS: String(config.liveSessionCheckMs) } : {}),
    };
    const children = await Promise.all(ports.map((port) => startBffProcess('web', mocks.urls, env, { port, timeoutMs: 60_000 })));
    return {
      mocks,
      replicas: children.map((child) => ({ origin: child.origin })),
      async close() {
        await Promise.all(children.map((child) => child.stop()));
        await mocks.close();
      },
    };
  }
  const servers: Server[] = [];
  const running = await Promise.all(
    ports.map(async (port, i) => {
      const bff = createWebBff(testConfig(mocks.urls, config), { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) });
      const server = createServer(bff.nodeListener);
      if (bff.live) server.on('upgrade', bff.live.upgrade); // WebSockets, as serve() attaches them
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return { bff, origin: origins[i]! };
    }),
  );
  return {
    mocks,
    replicas: running,
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      await Promise.all(running.map(({ bff }) => bff!.close()));
      await mocks.close();
    },
  };
}

/** The hops of one sign-in through the BFF, for tests that look at each. */
export interface SignedIn {
  browser: Browser;
  login: Page;
  /** The provider's redirect to the BFF's callback (not yet followed). */
  toCallback: Page;
  /** The BFF's answer to the callback. */
  callback: Page;
  /** The session cookie's value. */
  sessionId: string;
}

/**
 * Signs `username` in the way a browser does: /auth/login at the BFF, the provider's login page,
 * the password, back to /auth/callback. `browser` may carry cookies already (a planted session).
 */
export async function signIn(origin: string, { username = 'u_42', returnTo = '/account', browser = new Browser() }: { username?: string; returnTo?: string; browser?: Browser } = {}): Promise<SignedIn> {
  const login = await browser.request(`${origin}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  const loginPage = await browser.follow(login, `${origin}/auth/callback`);
  if (loginPage.status !== 200) throw new Error(`no login page: ${loginPage.status} ${loginPage.text.slice(0, 300)}`);
  const toCallback = await browser.submit(loginPage, { username, password: 'dev-password' }, { stopAt: `${origin}/auth/callback` });
  if (!toCallback.location?.startsWith(`${origin}/auth/callback`)) throw new Error(`the provider did not redirect to the callback: ${toCallback.status} ${toCallback.text.slice(0, 300)}`);
  const callback = await browser.request(toCallback.location);
  const sessionId = cookieValue(callback, SESSION_COOKIE) ?? '';
  return { browser, login, toCallback, callback, sessionId };
}

/** The value a Set-Cookie line of `page` gives `name`. */
export function cookieValue(page: Page, name: string): string | undefined {
  const line = page.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

/** A request as the web app makes it: the cookie, `X-CSRF: 1`, JSON. */
export async function graphqlWithCookie(origin: string, sessionId: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-csrf': '1', ...(sessionId ? { cookie: `${SESSION_COOKIE}=${sessionId}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}
