import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { testConfig, TEST_NOW } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { Browser } from '../support/oidc-browser.ts';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';
import { originOf } from '../support/served.ts';
import { graphqlWithCookie, SESSION_COOKIE, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

/**
 * The Redis outage policy, against a redis-server of the test's own that it crashes (SIGKILL),
 * stalls (SIGSTOP) and starts again on the same port with its data (a snapshot taken before):
 *
 * - a request that needs a session (web's cookie, TV's session token) is 503
 *   SESSION_STORE_UNAVAILABLE with Retry-After, fast, and the cookie is kept: never a 500, never
 *   a silent sign-out;
 * - rate limits fall back to in-process budgets, and the response and title caches run as
 *   misses: mobile keeps answering 200;
 * - once Redis is back, within seconds, the same sessions serve and every store uses Redis again.
 */

const ACCOUNT = { query: '{ account { profile { name } } }' };
const TV_HOME = operation('tv', 'TvHome');
const TITLE = (id: string) => ({ query: `{ title(id: "${id}") { id title } }` });

let redis: OwnRedis;
let stack: SignInStack;
let web: string;
let tvBff: Bff;
let tv: string;
let mobileBff: Bff;
let mobile: string;
let mobileToken: string;
let cookie: string;
let tvToken: string;

const post = async (origin: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const started = performance.now();
  const res = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as any, ms: performance.now() - started };
};
const webAccount = async () => {
  const started = performance.now();
  return { ...(await graphqlWithCookie(web, cookie, ACCOUNT)), ms: performance.now() - started };
};
const webSession = async () => {
  const res = await fetch(`${web}/auth/session`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf': '1' } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};
const tvHome = () => post(tv, '/graphql', { query: TV_HOME }, { authorization: `Bearer ${tvToken}` });
const mobileTitle = (id: string) => post(mobile, '/graphql', TITLE(id), { authorization: `Bearer ${mobileToken}` });

/** A TV signed in the way a TV does (RFC 8628 through the TV BFF), its user approving on a "phone". */
async function signInTv(username: string): Promise<string> {
  const code = (await post(tv, '/auth/device', {})).body;
  const browser = new Browser();
  const confirm = await browser.submit(await browser.get(code.verification_uri_complete));
  const login = await browser.submit(confirm, {}, { id: 'op.deviceConfirmForm' });
  await browser.submit(login, { username, password: 'dev-password' });
  const signedIn = await post(tv, '/auth/device/token', { poll_id: code.poll_id });
  expect(signedIn.status).toBe(200);
  return signedIn.body.session_token;
}

/** Polls `probe` until it answers 200; how long that took. */
async function msUntil200(probe: () => Promise<{ status: number }>, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if ((await probe()).status === 200) return performance.now() - started;
    await sleep(50);
  }
  throw new Error(`no 200 within ${timeoutMs} ms`);
}

beforeAll(async () => {
  redis = await startOwnRedis();
  stack = await startSignInStack({ config: { redisUrl: redis.url }, mocksEnv: { DEVICE_POLL_INTERVAL_SECONDS: '1' } });
  web = stack.replicas[0]!.origin;
  const options = { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) };
  tvBff = createTvBff(testConfig(stack.mocks.urls, { redisUrl: redis.url }), options);
  tv = await originOf(tvBff);
  // The response cache on (testConfig turns it off), to see it run as misses.
  mobileBff = createMobileBff(testConfig(stack.mocks.urls, { redisUrl: redis.url, responseCache: true }), options);
  mobile = await originOf(mobileBff);
  mobileToken = await stack.mocks.token('u_1');
  cookie = (await signIn(web, { username: 'u_42' })).sessionId;
  tvToken = await signInTv('u_301');
}, 60_000);
afterAll(async () => {
  await Promise.all([tvBff?.close(), mobileBff?.close()]);
  await stack?.close();
  await redis?.close();
});

describe('Redis outage', () => {
  it('with Redis up: web, TV and mobile answer 200', async () => {
    expect((await webAccount()).status).toBe(200);
    expect((await tvHome()).status).toBe(200);
    expect((await mobileTitle('t_1')).status).toBe(200);
  });

  it('Redis crashed: sessions are 503 SESSION_STORE_UNAVAILABLE with Retry-After and the cookie kept; mobile still 200; then it comes back', async () => {
    redis.save();
    await redis.kill();
    const killedAt = performance.now();

    const account = await webAccount();
    expect(account.status).toBe(503);
    expect(account.body.errors[0].extensions.code).toBe('SESSION_STORE_UNAVAILABLE');
    expect(Number(account.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(account.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(account.headers.getSetCookie()).toEqual([]);

    const session = await webSession();
    expect(session.status).toBe(503);
    expect(session.body.errors[0].extensions.code).toBe('SESSION_STORE_UNAVAILABLE');
    expect(session.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(session.headers.getSetCookie()).toEqual([]);

    const home = await tvHome();
    expect(home.status).toBe(503);
    expect(home.body.errors[0].extensions.code).toBe('SESSION_STORE_UNAVAILABLE');
    expect(home.headers.get('retry-after')).toMatch(/^\d+$/);

    // Rate limits on the in-process insurance budget, the response cache and the title cache as
    // misses: a title never fetched before, and one cached before, both answer 200 in full.
    for (const id of ['t_1', 't_2']) {
      const title = await mobileTitle(id);
      expect(title.status, id).toBe(200);
      expect(title.body).toEqual({ data: { title: { id, title: expect.any(String) } } });
      expect(title.headers.get('ratelimit')).toMatch(/"viewer";r=\d+/);
      expect(title.headers.get('age'), id).toBeNull(); // computed, not from the cache
    }
    // Fast: nothing waits for Redis.
    for (const answer of [account, home]) expect(answer.ms).toBeLessThan(1_000);

    // Down long enough for the reconnect strategy's backoff to reach its 2 s cap.
    await sleep(Math.max(0, 4_000 - (performance.now() - killedAt)));
    expect((await webAccount()).status).toBe(503);

    // Back on the same port, with its data: the same cookie and TV token serve again within seconds.
    const restartedAt = performance.now();
    await redis.start();
    const webBack = await msUntil200(webAccount);
    const tvBack = await msUntil200(tvHome);
    console.info(`Redis down 4 s, restarted: web session served again ${Math.round(webBack)} ms after it answered PING, TV ${Math.round(performance.now() - restartedAt)} ms`);
    expect(performance.now() - restartedAt).toBeLessThan(5_000);
    expect((await webAccount()).body.data.account.profile.name).toEqual(expect.any(String));
    expect((await webSession()).body).toMatchObject({ signedIn: true, user: { id: 'u_42' } });
    expect(tvBack).toBeLessThan(5_000);

    // Every store uses Redis again: the rate limits, the title cache and the response cache write there, and a repeat is a hit.
    expect((await mobileTitle('t_3')).status).toBe(200);
    const again = await mobileTitle('t_3');
    expect(again.headers.get('age')).toMatch(/^\d+$/);
    const inspect = createClient({ url: redis.url });
    await inspect.connect();
    try {
      expect(await inspect.keys('concierge:rate:mobile:viewer:*')).not.toEqual([]);
      expect((await inspect.keys('concierge:titles:mobile:*')).some((key) => key.endsWith(':t_3'))).toBe(true);
      expect(await inspect.keys('concierge:response:mobile:*')).not.toEqual([]);
    } finally {
      await inspect.close();
    }
  }, 40_000);

  it('Redis stalled (socket up, no answer): 503 within the command timeout, and correct answers once it resumes', async () => {
    redis.pause();
    try {
      const account = await webAccount();
      expect(account.status).toBe(503);
      expect(account.body.errors[0].extensions.code).toBe('SESSION_STORE_UNAVAILABLE');
      expect(account.headers.getSetCookie()).toEqual([]);
      expect(account.ms).toBeLessThan(1_000);
      const title = await mobileTitle('t_4');
      expect(title.status).toBe(200);
      expect(title.ms).toBeLessThan(1_000);
    } finally {
      redis.resume();
    }
    // The replies to the commands that timed out arrive late: each later command must still get its own.
    await msUntil200(webAccount, 5_000);
    for (let i = 0; i < 5; i++) {
      expect((await webSession()).body).toMatchObject({ signedIn: true, user: { id: 'u_42' } });
      const home = await tvHome();
      expect(home.status).toBe(200);
      expect(home.body.errors).toBeUndefined();
    }
  }, 30_000);
});
