import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownstreamHttp } from '../../bffs/kit/downstream/http-client.ts';
import { Deadline } from '../../bffs/kit/resilience/deadline.ts';
import type { ResiliencePolicy } from '../../bffs/kit/resilience/policy.ts';
import { ServiceGuard } from '../../bffs/kit/resilience/service-guard.ts';

const ORIGIN = 'http://users.test';
const POLICY: ResiliencePolicy = {
  deadlineMs: 1_000,
  listsShareOfDeadline: 0.6,
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, budgetRatio: 0.5, budgetMinPerSecond: 100 },
  breaker: { consecutiveFailures: 3, failureRate: 0.9, window: 20, minimumCalls: 20, halfOpenAfterMs: 150 },
  bulkhead: 2,
  connections: 4,
  shedding: { maxInFlight: 100, maxEventLoopDelayMs: 1_000 },
};

let agent: MockAgent;
let hits: number;
const call = (ms = 1_000) => ({ token: 't', requestId: 'r', deadline: Deadline.after(ms) });
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (e) => e);

function client(policy: Partial<ResiliencePolicy> = {}) {
  const merged = { ...POLICY, ...policy };
  return new DownstreamHttp('users', ORIGIN, { guard: new ServiceGuard('users', merged), connections: 4, maxTimeoutMs: 1_000, dispatcher: agent.get(ORIGIN) });
}

/** Answers the given statuses in turn (then 200), counting every request that reached "the wire". */
function answer(...replies: { status: number; headers?: Record<string, string> }[]) {
  agent.get(ORIGIN).intercept({ path: /.*/, method: /.*/ }).reply(() => {
    const next = replies[hits++] ?? { status: 200 };
    return { statusCode: next.status, data: next.status === 200 ? { ok: true } : { error: { code: 'X', message: 'x' } }, responseOptions: { headers: next.headers ?? {} } };
  }).persist();
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  hits = 0;
});
afterEach(() => agent.close());

describe('retries', () => {
  test('an idempotent read is retried after a 503 and succeeds', async () => {
    answer({ status: 503 });
    expect(await client().json(call(), { path: '/users/u_1' })).toEqual({ ok: true });
    expect(hits).toBe(2);
  });

  test('a POST that is not marked idempotent is never retried', async () => {
    answer({ status: 503 });
    const error = await failure(client().json(call(), { method: 'POST', path: '/things', body: {} }));
    expect(error.extensions.code).toBe('DOWNSTREAM_UNAVAILABLE');
    expect(hits).toBe(1);
  });

  test('a refused input (4xx) is not retried', async () => {
    answer({ status: 400 });
    await failure(client().json(call(), { path: '/users/u_1' }));
    expect(hits).toBe(1);
  });

  test('Retry-After is honoured', async () => {
    answer({ status: 503, headers: { 'retry-after': '0.2' } });
    const started = performance.now();
    await client().json(call(), { path: '/users/u_1' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(hits).toBe(2);
  });

  test('a Retry-After beyond the deadline fails now instead of waiting', async () => {
    answer({ status: 503, headers: { 'retry-after': '5' } });
    const started = performance.now();
    const error = await failure(client().json(call(300), { path: '/users/u_1' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(100);
    expect(hits).toBe(1);
  });

  test('attempts are capped', async () => {
    answer({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await failure(client({ breaker: { ...POLICY.breaker, consecutiveFailures: 50 } }).json(call(), { path: '/users/u_1' }));
    expect(hits).toBe(3);
  });

  test('the retry budget stops retries from multiplying load during an outage', async () => {
    answer(...Array.from({ length: 100 }, () => ({ status: 500 })));
    const http = client({
      retry: { ...POLICY.retry, budgetRatio: 0, budgetMinPerSecond: 2 },
      breaker: { ...POLICY.breaker, consecutiveFailures: 1_000 },
    });
    for (let i = 0; i < 10; i++) await failure(http.json(call(), { path: '/users/u_1' }));
    expect(hits).toBe(10 + 2);
  });

  test('no call is made once the deadline has passed', async () => {
    answer();
    const deadline = Deadline.after(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await failure(client().json({ token: 't', requestId: 'r', deadline }, { path: '/users/u_1' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_TIMEOUT');
    expect(hits).toBe(0);
  });
});

describe('circuit breaker', () => {
  test('opens after consecutive failures, then fails fast without a network call', async () => {
    answer(...Array.from({ length: 3 }, () => ({ status: 500 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) await failure(http.json(call(), { path: '/users/u_1' }));
    const error = await failure(http.json(call(), { path: '/users/u_1' }));
    expect(error.extensions).toMatchObject({ code: 'CIRCUIT_OPEN', service: 'users' });
    expect(hits).toBe(3);
  });

  test('half-opens after the pause, probes once, and closes when the probe succeeds', async () => {
    answer(...Array.from({ length: 3 }, () => ({ status: 500 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) await failure(http.json(call(), { path: '/users/u_1' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await http.json(call(), { path: '/users/u_1' })).toEqual({ ok: true });
    expect(await http.json(call(), { path: '/users/u_1' })).toEqual({ ok: true });
    expect(hits).toBe(5);
  });

  test('clients going away mid-call do not open it: that says nothing about the service', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow' }).reply(200, { ok: true }).delay(300).persist();
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 5; i++) {
      const clientSignal = new AbortController();
      const pending = failure(http.json({ token: 't', requestId: 'r', deadline: Deadline.after(1_000, clientSignal.signal) }, { path: '/slow' }));
      setTimeout(() => clientSignal.abort(), 10);
      expect((await pending).extensions.code).toBe('CLIENT_CLOSED_REQUEST');
    }
    expect(await http.json(call(), { path: '/slow' })).toEqual({ ok: true });
  });

  test('not-found answers do not open it', async () => {
    answer(...Array.from({ length: 10 }, () => ({ status: 404 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 10; i++) expect((await failure(http.json(call(), { path: '/users/u_x' }))).extensions.code).toBe('NOT_FOUND');
  });
});

describe('bulkhead', () => {
  test('calls beyond the cap fail at once with DOWNSTREAM_BUSY', async () => {
    agent.get(ORIGIN).intercept({ path: /.*/ }).reply(200, { ok: true }).delay(300).persist();
    const http = client();
    const slow = [http.json(call(), { path: '/a' }), http.json(call(), { path: '/b' })];
    const started = performance.now();
    const error = await failure(http.json(call(), { path: '/c' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_BUSY');
    expect(performance.now() - started).toBeLessThan(50);
    await Promise.all(slow);
  });
});
