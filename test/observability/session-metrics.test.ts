/**
 * Session events on the admin port's series: a sign-in through the real provider starts one, a
 * sign-out ends it, both counted by the session store's decorator on web's BFF.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SESSION_COOKIE, signIn, startSignInStack, type SignInStack } from '../support/sign-in.ts';

let stack: SignInStack;
beforeAll(async () => {
  stack = await startSignInStack();
});
afterAll(() => stack.close());

async function sessionEvents(): Promise<Record<string, number>> {
  const metric = await stack.replicas[0]!.bff!.metrics!.getSingleMetric('concierge_sessions_total')!.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.event), value.value]));
}

test('a sign-in starts a session and a sign-out ends it', async () => {
  const { origin } = stack.replicas[0]!;
  const { sessionId } = await signIn(origin);
  expect(await sessionEvents()).toEqual({ started: 1 });
  const res = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' } });
  expect(res.status).toBe(200);
  expect(await sessionEvents()).toEqual({ started: 1, ended: 1 });
});
