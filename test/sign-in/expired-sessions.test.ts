/**
 * A web session that ends by its idle timeout (no one signed out) has its refresh token revoked
 * at the provider (RFC 7009), as a sign-out's is: by the web BFF's sweep of expired sessions
 * (sign-in/revoke-ended.ts), in memory and on the real Redis, against the real identity provider.
 * The idle timeout is 3 s here (SESSION_IDLE_MINUTES is whole minutes; the config takes less).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as oauth from 'openid-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEV_WEB_CLIENT_SECRET } from '../../bffs/kit/sign-in/index.ts';
import { createOidcClient } from '../../bffs/kit/sign-in/oidc.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../bffs/kit/stores/redis.ts';
import { createTokenCipher, DEV_SESSION_ENCRYPTION_KEY } from '../../bffs/kit/stores/sessions/token-cipher.ts';
import { graphqlWithCookie, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The default session prefix, as the web BFF writes it. */
const SESSIONS = 'concierge:session:';
const IDLE_MINUTES = 0.05;
const HOME = { query: '{ home { hero { id } } }' };

/** What the provider answers a refresh with `refreshToken`, as web: a revoked token is `invalid_grant`. */
async function providerTakes(identity: string, refreshToken: string): Promise<'accepted' | string> {
  const oidc = createOidcClient({ issuer: identity, clientId: 'web', clientSecret: DEV_WEB_CLIENT_SECRET, resource: 'urn:concierge:bff:web', scope: 'openid', allowHttp: true });
  try {
    await oidc.refresh(refreshToken);
    return 'accepted';
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return error.error;
    throw error;
  }
}

const revocations = async (stack: SignInStack) => (await stack.mocks.counters('identity')).routes['POST /token/revocation'] ?? 0;

describe('a web session that ends unused, in memory', () => {
  let stack: SignInStack;
  beforeAll(async () => {
    stack = await startSignInStack({ config: { sessionIdleMinutes: IDLE_MINUTES } });
  });
  afterAll(() => stack?.close());

  test('its refresh token is revoked at the provider once its idle timeout passes, and the cookie is signed out', async () => {
    const web = stack.replicas[0]!.origin;
    const { sessionId } = await signIn(web, { username: 'u_311' });
    expect((await graphqlWithCookie(web, sessionId, HOME)).status).toBe(200);
    await stack.mocks.resetCounters();
    await expect.poll(() => revocations(stack), { timeout: 15_000, interval: 250 }).toBe(1);
    const after = await graphqlWithCookie(web, sessionId, HOME);
    expect(after.status).toBe(401);
    expect(after.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
  });
});

describe('a web session that ends unused, on Redis', () => {
  let stack: SignInStack;
  let redis: RedisClient;
  beforeAll(async () => {
    redis = connectRedis(REDIS_URL, pino({ level: 'silent' }));
    stack = await startSignInStack({ config: { redisUrl: REDIS_URL, sessionIdleMinutes: IDLE_MINUTES } });
  });
  afterAll(async () => {
    await stack?.close();
    if (redis) await closeRedis(redis);
  });

  /** The session's refresh token, opened from its hash in Redis as the BFF would (the development key). */
  const refreshTokenOf = async (sessionId: string) => {
    const { tokens } = await redis.hGetAll(`${SESSIONS}${sessionId}`);
    return (JSON.parse(createTokenCipher(DEV_SESSION_ENCRYPTION_KEY).open(tokens!, sessionId)) as { refresh: string }).refresh;
  };

  test("its refresh token is revoked at the provider by a replica's sweep; a session in use beside it is not", async () => {
    const web = stack.replicas[0]!.origin;
    const idle = await signIn(web, { username: 'u_312' });
    const busy = await signIn(web, { username: 'u_313' });
    const idleRefresh = await refreshTokenOf(idle.sessionId);
    expect(await redis.zScore(`${SESSIONS}expiring:web`, idle.sessionId)).toEqual(expect.any(Number));

    // The busy one is used every second while the idle one's 3 s run out and the sweep finds it.
    const deadline = Date.now() + 20_000;
    while ((await providerTakesAfterSweep()) === 'pending') {
      expect(Date.now()).toBeLessThan(deadline);
      expect((await graphqlWithCookie(web, busy.sessionId, HOME)).status).toBe(200);
      await sleep(1_000);
    }
    expect(await providerTakes(stack.mocks.urls.identity, idleRefresh)).toBe('invalid_grant');
    expect(await redis.exists(`${SESSIONS}${idle.sessionId}`)).toBe(0);
    expect(await redis.zScore(`${SESSIONS}expiring:web`, idle.sessionId)).toBeNull();
    expect((await graphqlWithCookie(web, idle.sessionId, HOME)).status).toBe(401);
    expect((await graphqlWithCookie(web, busy.sessionId, HOME)).status).toBe(200);

    /**
     * Whether the sweep has taken the idle session (its hash is deleted as it is handed over);
     * then the revocations it set off are waited for: until the provider's count stops moving
     * (the same sweep may also take sessions earlier runs left in this shared Redis). Asking the
     * provider to refresh before the revocation would spend the token and fail the test, never
     * pass it.
     */
    async function providerTakesAfterSweep(): Promise<'pending' | 'swept'> {
      if ((await redis.exists(`${SESSIONS}${idle.sessionId}`)) === 1) return 'pending';
      for (let [before, now] = [-1, await revocations(stack)]; now === 0 || now !== before; [before, now] = [now, await revocations(stack)]) await sleep(300);
      return 'swept';
    }
  });
});
