import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlWithCookie, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

/**
 * Two web BFF processes (bffs/web/main.ts, each its own node) on one real Redis (127.0.0.1:6379, which CI starts):
 * a session made on one serves on the other, a sign-out on one ends it on both, a refresh happens
 * once per session however many requests race for it, and a refresh the provider refuses ends
 * the session with 401 SESSION_EXPIRED.
 *
 * Access tokens live 62 s here and are refreshed 60 s before they expire, so a session is due
 * for a refresh about 2 s after sign-in.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ACCOUNT = '{ account { profile { name } } }';
const DUE_MS = 2_500;

const refreshes = async (stack: SignInStack) => ((await stack.mocks.counters('identity')) as any).details?.['POST /token grant_type=refresh_token'] ?? 0;

describe('web sessions shared by two replicas on Redis', () => {
  let stack: SignInStack;
  let a: string;
  let b: string;

  beforeAll(async () => {
    // Two web BFF processes, as production runs them, on one Redis.
    stack = await startSignInStack({ replicas: 2, processes: true, config: { redisUrl: REDIS_URL }, mocksEnv: { ACCESS_TOKEN_TTL_SECONDS: '62' } });
    [a, b] = stack.replicas.map((replica) => replica.origin) as [string, string];
  });
  afterAll(() => stack?.close());

  it('a session made on one replica serves on the other; signing out on one ends it on both', async () => {
    const { sessionId } = await signIn(a, { username: 'u_42' });
    const onB = await graphqlWithCookie(b, sessionId, { query: ACCOUNT });
    expect(onB.status).toBe(200);
    expect(onB.body.data.account.profile.name).toEqual(expect.any(String));

    const out = await fetch(`${b}/auth/logout`, { method: 'POST', headers: { cookie: `__Host-concierge-session=${sessionId}`, 'x-csrf': '1' } });
    expect(out.status).toBe(200);
    for (const origin of [a, b]) {
      const after = await graphqlWithCookie(origin, sessionId, { query: ACCOUNT });
      expect(after.status, origin).toBe(401);
      expect(after.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
    }
  });

  it('a back-channel logout received by one replica ends the session on the other', async () => {
    const { sessionId, browser } = await signIn(b, { username: 'u_43' });
    const logoutPage = await browser.get(`${stack.mocks.urls.identity}/session/end?client_id=web`);
    await browser.submit(logoutPage, { logout: 'yes' }, { id: 'op.logoutForm' });
    // The provider calls replica a's /auth/backchannel-logout; the session was made on b.
    await expect.poll(async () => (await graphqlWithCookie(b, sessionId, { query: ACCOUNT })).status, { timeout: 5_000 }).toBe(401);
  });

  it('50 concurrent requests, 25 on each replica, on a session due for a refresh cause exactly one refresh at the provider', async () => {
    const { sessionId } = await signIn(a, { username: 'u_44' });
    await new Promise((resolve) => setTimeout(resolve, DUE_MS));
    const before = await refreshes(stack);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => graphqlWithCookie(i % 2 ? a : b, sessionId, { query: ACCOUNT })));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(answers.every((answer) => answer.body.errors === undefined)).toBe(true);
    expect((await refreshes(stack)) - before).toBe(1);
    // The rotated tokens serve the next request with no further refresh.
    expect((await graphqlWithCookie(b, sessionId, { query: ACCOUNT })).status).toBe(200);
    expect((await refreshes(stack)) - before).toBe(1);
  });

  it('a refresh the provider refuses ends the session: 401 SESSION_EXPIRED, the cookie cleared, on both replicas', async () => {
    const signedIn = await signIn(a, { username: 'u_45' });
    // Replaying the authorization code makes the provider revoke everything the code granted
    // (oidc-provider's reuse detection), so the session's refresh token dies at the provider.
    const replay = await fetch(signedIn.toCallback.location!, { headers: { cookie: signedIn.login.headers.getSetCookie()[0]!.split(';')[0]! }, redirect: 'manual' });
    expect(replay.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, DUE_MS));
    const refused = await graphqlWithCookie(b, signedIn.sessionId, { query: ACCOUNT });
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('SESSION_EXPIRED');
    expect(refused.headers.getSetCookie()[0]).toMatch(/^__Host-concierge-session=; /);
    expect((await graphqlWithCookie(a, signedIn.sessionId, { query: ACCOUNT })).status).toBe(401);
  });

  it('Redis holds no usable token: the session record has only sealed ones', async () => {
    const { sessionId } = await signIn(a, { username: 'u_46' });
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const record = await redis.hGetAll(`concierge:session:${sessionId}`);
      expect(Object.keys(record).length).toBeGreaterThan(0);
      const dump = JSON.stringify(record);
      expect(dump).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(dump).toContain('u_46');
    } finally {
      await redis.close();
    }
  });

});
