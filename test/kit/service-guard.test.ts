import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownstreamHttp } from '../../bffs/kit/downstream/http-client.ts';
import { Deadline } from '../../bffs/kit/resilience/deadline.ts';
import type { ResiliencePolicy } from '../../bffs/kit/resilience/policy.ts';
import { DownstreamError } from '../../bffs/kit/downstream-error.ts';
import { ServiceGuard } from '../../bffs/kit/downstream/service-guard.ts';

const ORIGIN = 'http://users.test';
const POLICY: ResiliencePolicy = {
  deadlineMs: 1_000,
  listsShareOfDeadline: 0.6,
  nonCriticalShareOfDeadline: 0.4,
  staleIfError: { maxAgeSeconds: 300, maxEntries: 50_000 },
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, budgetRatio: 0.5, budgetMinPerSecond: 100 },
  breaker: { consecutiveFailures: 3, failureRate: 0.9, window: 20, minimumCalls: 20, halfOpenAfterMs: 150 },
  bulkhead: 2,
  connections: 4,
  shedding: { maxInFlight: 100, maxEventLoopDelayMs: 1_000 },
};

let agent: MockAgent;
let hits: number;
const call = (ms = 1_000) => ({ credentials: { tokenFor: () => 't' }, requestId: 'r', deadline: Deadline.after(ms) });
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
    expect(await client().json(call(), { route: '/users/u_1' })).toEqual({ ok: true });
    expect(hits).toBe(2);
  });

  test('a POST that is not marked idempotent is never retried', async () => {
    answer({ status: 503 });
    const error = await failure(client().json(call(), { method: 'POST', route: '/things', body: {} }));
    expect(error.extensions.code).toBe('DOWNSTREAM_UNAVAILABLE');
    expect(hits).toBe(1);
  });

  test('a refused input (4xx) is not retried', async () => {
    answer({ status: 400 });
    await failure(client().json(call(), { route: '/users/u_1' }));
    expect(hits).toBe(1);
  });

  test('Retry-After is honoured', async () => {
    answer({ status: 503, headers: { 'retry-after': '0.2' } });
    const started = performance.now();
    await client().json(call(), { route: '/users/u_1' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(hits).toBe(2);
  });

  test('a Retry-After beyond the deadline fails now instead of waiting', async () => {
    answer({ status: 503, headers: { 'retry-after': '5' } });
    const started = performance.now();
    const error = await failure(client().json(call(300), { route: '/users/u_1' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(100);
    expect(hits).toBe(1);
  });

  test('attempts are capped', async () => {
    answer({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await failure(client({ breaker: { ...POLICY.breaker, consecutiveFailures: 50 } }).json(call(), { route: '/users/u_1' }));
    expect(hits).toBe(3);
  });

  test('the retry budget stops retries from multiplying load during an outage', async () => {
    answer(...Array.from({ length: 100 }, () => ({ status: 500 })));
    const http = client({
      retry: { ...POLICY.retry, budgetRatio: 0, budgetMinPerSecond: 2 },
      breaker: { ...POLICY.breaker, consecutiveFailures: 1_000 },
    });
    for (let i = 0; i < 10; i++) await failure(http.json(call(), { route: '/users/u_1' }));
    expect(hits).toBe(10 + 2);
  });

  test('no call is made once the deadline has passed', async () => {
    answer();
    const deadline = Deadline.after(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await failure(client().json({ credentials: { tokenFor: () => 't' }, requestId: 'r', deadline }, { route: '/users/:id', params: { id: 'u_1' } }));
    expect(error.extensions.code).toBe('DOWNSTREAM_TIMEOUT');
    expect(hits).toBe(0);
  });
});

describe('circuit breaker', () => {
  test('opens after consecutive failures, then fails fast without a network call', async () => {
    answer(...Array.from({ length: 3 }, () => ({ status: 500 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) await failure(http.json(call(), { route: '/users/u_1' }));
    const error = await failure(http.json(call(), { route: '/users/u_1' }));
    expect(error.extensions).toMatchObject({ code: 'CIRCUIT_OPEN', service: 'users' });
    expect(hits).toBe(3);
  });

  test('while open, its error still carries what is left of the service\'s last Retry-After', async () => {
    answer(...Array.from({ length: 3 }, () => ({ status: 503, headers: { 'retry-after': '7' } })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) expect(DownstreamError.of(await failure(http.json(call(), { route: '/users/u_1' })))?.retryAfterMs).toBe(7_000);
    const open = await failure(http.json(call(), { route: '/users/u_1' }));
    expect(open.extensions.code).toBe('CIRCUIT_OPEN');
    expect(DownstreamError.of(open)?.retryAfterMs).toBeGreaterThan(6_000);
    expect(DownstreamError.of(open)?.retryAfterMs).toBeLessThanOrEqual(7_000);
  });

  test('half-opens after the pause, probes once, and closes when the probe succeeds', async () => {
    answer(...Array.from({ length: 3 }, () => ({ status: 500 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 3; i++) await failure(http.json(call(), { route: '/users/u_1' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await http.json(call(), { route: '/users/u_1' })).toEqual({ ok: true });
    expect(await http.json(call(), { route: '/users/u_1' })).toEqual({ ok: true });
    expect(hits).toBe(5);
  });

  test('clients going away mid-call do not open it: that says nothing about the service', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow' }).reply(200, { ok: true }).delay(300).persist();
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 5; i++) {
      const clientSignal = new AbortController();
      const pending = failure(http.json({ credentials: { tokenFor: () => 't' }, requestId: 'r', deadline: Deadline.after(1_000, clientSignal.signal) }, { route: '/slow' }));
      setTimeout(() => clientSignal.abort(), 10);
      expect((await pending).extensions.code).toBe('CLIENT_CLOSED_REQUEST');
    }
    expect(await http.json(call(), { route: '/slow' })).toEqual({ ok: true });
  });

  test('not-found answers do not open it', async () => {
    answer(...Array.from({ length: 10 }, () => ({ status: 404 })));
    const http = client({ retry: { ...POLICY.retry, maxAttempts: 1 } });
    for (let i = 0; i < 10; i++) expect((await failure(http.json(call(), { route: '/users/u_x' }))).extensions.code).toBe('NOT_FOUND');
  });
});

describe('bulkhead', () => {
  test('calls beyond the cap fail at once with DOWNSTREAM_BUSY', async () => {
    agent.get(ORIGIN).intercept({ path: /.*/ }).reply(200, { ok: true }).delay(300).persist();
    const http = client();
    const slow = [http.json(call(), { route: '/a' }), http.json(call(), { route: '/b' })];
    const started = performance.now();
    const error = await failure(http.json(call(), { route: '/c' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_BUSY');
    expect(performance.now() - started).toBeLessThan(50);
    await Promise.all(slow);
  });
});

describe('a non-critical read\'s budget', () => {
  const budgeted = (budgetMs: number, deadlineMs = 1_000) => ({ ...call(deadlineMs), budgets: { users: budgetMs } });

  test('a read slower than its budget fails at the budget with DOWNSTREAM_TIMEOUT, long before the deadline', async () => {
    agent.get(ORIGIN).intercept({ path: /.*/ }).reply(200, { ok: true }).delay(600).persist();
    const started = performance.now();
    const error = await failure(client().json(budgeted(100), { route: '/users/u_1' }));
    const elapsed = performance.now() - started;
    expect(error.extensions).toMatchObject({ code: 'DOWNSTREAM_TIMEOUT', service: 'users' });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(300);
  });

  test('its retries fit in the budget too: none is made once it is spent', async () => {
    agent.get(ORIGIN).intercept({ path: /.*/ }).reply(() => {
      hits++;
      return { statusCode: 200, data: { ok: true } };
    }).delay(600).persist();
    await failure(client().json(budgeted(100), { route: '/users/u_1' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hits).toBe(1);
  });

  test('a read within its budget is answered as usual', async () => {
    answer();
    expect(await client().json(budgeted(200), { route: '/users/u_1' })).toEqual({ ok: true });
  });

  test('a write is never cut short by a budget: the change would be left unconfirmed', async () => {
    agent.get(ORIGIN).intercept({ path: /.*/, method: 'PUT' }).reply(200, { ok: true }).delay(200).persist();
    expect(await client().json(budgeted(50), { method: 'PUT', route: '/users/u_1/x' })).toEqual({ ok: true });
  });

  test('it ends a call still queued for a socket, which undici\'s own timeouts would not count', async () => {
    // A real server that never answers, and one socket: the second call waits behind the first.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const http = new DownstreamHttp('users', origin, { guard: new ServiceGuard('users', { ...POLICY, retry: { ...POLICY.retry, maxAttempts: 1 } }), connections: 1, maxTimeoutMs: 1_000 });
    try {
      const started = performance.now();
      const errors = await Promise.all([failure(http.json(budgeted(150), { route: '/a' })), failure(http.json(budgeted(150), { route: '/b' }))]);
      expect(errors.map((e) => e.extensions.code)).toEqual(['DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_TIMEOUT']);
      expect(performance.now() - started).toBeLessThan(280);
    } finally {
      server.closeAllConnections();
      server.close();
      await http.close();
    }
  });
});
