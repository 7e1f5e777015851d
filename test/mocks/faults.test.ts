import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode } from '../support/http.ts';

let mocks: TestMocks;
let token: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.serviceToken('u_1');
});
afterEach(async () => {
  await mocks.clearFaults();
  await mocks.resetCounters();
});
afterAll(() => mocks?.close());

const getUser = (signal?: AbortSignal) => call(`${mocks.urls.users}/users/u_1`, { token, signal });
const getTitle = (signal?: AbortSignal) => call(`${mocks.urls.catalog}/titles/t_1`, { token, signal });
const batch = () => call(`${mocks.urls.catalog}/titles/batch`, { method: 'POST', token, body: { ids: ['t_1', 't_2'] } });

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

/** The error a fetch rejects with, with undici's cause folded into one searchable string. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string; name?: string } }).cause;
    return [(error as Error).name, (error as Error).message, cause?.name, cause?.code, cause?.message].join(' ');
  }
  throw new Error('the request succeeded, but it was expected to fail');
}

describe('injected latency', () => {
  it('delays the response by about latencyMs', async () => {
    await getUser(); // warm: token verified and cached
    const [, baseline] = await timed(() => getUser());
    await mocks.setFaults('users', { latencyMs: 300 });
    const [res, delayed] = await timed(() => getUser());
    expect(res.status).toBe(200);
    expect(delayed).toBeGreaterThanOrEqual(290);
    expect(delayed).toBeLessThan(2000);
    expect(baseline).toBeLessThan(200);
  });
});

describe('hang', () => {
  it('never answers, so the client times out, while other services keep serving', async () => {
    await mocks.setFaults('catalog', { hang: true });
    const reason = await failure(getTitle(AbortSignal.timeout(300)));
    expect(reason).toMatch(/TimeoutError|aborted/i);

    const [user, recommendations] = await Promise.all([
      getUser(),
      call(`${mocks.urls.recommendations}/recommendations/u_1`, { token }),
    ]);
    expect(user.status).toBe(200);
    expect(recommendations.status).toBe(200);
  });

  it('with a route filter hangs only that route; the service answers its other routes', async () => {
    await mocks.setFaults('catalog', { hang: true, route: '/titles/{id}' });
    expect(await failure(getTitle(AbortSignal.timeout(200)))).toMatch(/TimeoutError|aborted/i);
    expect((await batch()).status).toBe(200);
  });

  it('ends when the faults are cleared: the same route answers again', async () => {
    await mocks.setFaults('catalog', { hang: true });
    await failure(getTitle(AbortSignal.timeout(100)));
    await mocks.clearFaults();
    expect((await getTitle()).status).toBe(200);
  });
});

describe('error status', () => {
  it('with errorRate 1 answers that status with code INJECTED_FAULT and Retry-After from retryAfterSeconds', async () => {
    await mocks.setFaults('users', { errorStatus: 503, errorRate: 1, retryAfterSeconds: 7 });
    const res = await getUser();
    expect(res.status).toBe(503);
    expect(errorCode(res)).toBe('INJECTED_FAULT');
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('without retryAfterSeconds sends no Retry-After header', async () => {
    await mocks.setFaults('users', { errorStatus: 500 });
    const res = await getUser();
    expect(res.status).toBe(500);
    expect(errorCode(res)).toBe('INJECTED_FAULT');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('with errorRate 0.5 fails exactly every second request, the same way after every new setting', async () => {
    for (const attempt of [1, 2]) {
      await mocks.setFaults('users', { errorStatus: 502, errorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await getUser()).status);
      expect(statuses, `setting ${attempt}`).toEqual([200, 502, 200, 502, 200, 502, 200, 502]);
    }
  });

  it('with errorRate 0.3 fails exactly 60 of 200 concurrent requests', async () => {
    await mocks.setFaults('users', { errorStatus: 502, errorRate: 0.3 });
    const statuses: number[] = [];
    for (let round = 0; round < 8; round++) {
      const results = await Promise.all(Array.from({ length: 25 }, () => getUser()));
      statuses.push(...results.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 502 && s !== 200)).toEqual([]);
    expect(statuses.filter((s) => s === 502)).toHaveLength(60);
  });
});

describe('malformed JSON', () => {
  it('answers 200 with a JSON content type and a body JSON.parse rejects', async () => {
    await mocks.setFaults('users', { malformedJson: true });
    const res = await getUser();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
  });
});

describe('connection reset', () => {
  it('destroys the socket, so the client sees a socket error rather than a response', async () => {
    await mocks.setFaults('users', { reset: true });
    const reason = await failure(getUser());
    expect(reason).toMatch(/ECONNRESET|other side closed|UND_ERR_SOCKET|fetch failed/);
    await mocks.clearFaults();
    expect((await getUser()).status).toBe(200);
  });
});

describe('fault settings', () => {
  it('with a route filter fault only the routes whose template contains it', async () => {
    await mocks.setFaults('catalog', { errorStatus: 500, route: 'batch' });
    expect((await batch()).status).toBe(500);
    expect((await getTitle()).status).toBe(200);
  });

  it('are read back with GET /__admin/faults and cleared by DELETE /__admin/faults', async () => {
    const settings = { latencyMs: 5, errorStatus: 429, errorRate: 0.25, retryAfterSeconds: 2, route: 'users' };
    await mocks.setFaults('users', settings);
    expect((await call(`${mocks.urls.users}/__admin/faults`)).body).toEqual(settings);

    const cleared = await call(`${mocks.urls.users}/__admin/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(204);
    expect((await call(`${mocks.urls.users}/__admin/faults`)).body).toEqual({});
    for (let i = 0; i < 20; i++) expect((await getUser()).status).toBe(200);
  });

  it('are refused with 400 VALIDATION_FAILED when invalid, keeping the previous settings', async () => {
    await mocks.setFaults('users', { latencyMs: 1 });
    const invalid = [
      { errorRate: 2 },
      { errorStatus: 200 },
      { latencyMs: -1 },
      { hang: 'yes' },
      { route: 5 },
      { bogus: true },
      [],
      'hang',
    ];
    for (const body of invalid) {
      const res = await call(`${mocks.urls.users}/__admin/faults`, { method: 'PUT', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
    expect((await call(`${mocks.urls.users}/__admin/faults`)).body).toEqual({ latencyMs: 1 });
  });

  it('belong to one service: faulting users leaves catalog alone', async () => {
    await mocks.setFaults('users', { errorStatus: 500 });
    expect((await getUser()).status).toBe(500);
    expect((await getTitle()).status).toBe(200);
  });
});

describe('request counters', () => {
  it('count requests per route template and reset to zero', async () => {
    await mocks.resetCounters();
    const service = await mocks.serviceToken('svc', { scope: 'concierge:service' });
    await getUser();
    await call(`${mocks.urls.users}/users/u_2`, { token: service });
    await call(`${mocks.urls.users}/users/u_3`, { token: service });
    await getTitle();
    await batch();
    await batch();

    expect(await mocks.counters('users')).toEqual({ total: 3, routes: { 'GET /users/{id}': 3 } });
    expect(await mocks.counters('catalog')).toEqual({ total: 3, routes: { 'GET /titles/{id}': 1, 'POST /titles/batch': 2 } });

    const reset = await call(`${mocks.urls.users}/__admin/counters/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect(await mocks.counters('users')).toEqual({ total: 0, routes: {} });
  });

  it('count refused and faulted requests, but not unknown routes or admin calls', async () => {
    await mocks.resetCounters();
    await call(`${mocks.urls.users}/users/u_1`); // 401
    await call(`${mocks.urls.users}/no/such/route`, { token }); // 404, no template
    await mocks.setFaults('users', { errorStatus: 503 });
    await getUser(); // 503
    await mocks.counters('users');
    await call(`${mocks.urls.users}/__admin/faults`);
    await mocks.clearFaults();
    expect(await mocks.counters('users')).toEqual({ total: 2, routes: { 'GET /users/{id}': 2 } });
  });
});

describe('latency from the environment', () => {
  it('USERS_LATENCY_MS=50 delays only the users service', async () => {
    const slow = await startTestMocks({ USERS_LATENCY_MS: '50' });
    try {
      const userToken = await slow.serviceToken('u_1');
      const median = async (url: string) => {
        const times: number[] = [];
        for (let i = 0; i < 6; i++) {
          const [res, ms] = await timed(() => call(url, { token: userToken }));
          expect(res.status).toBe(200);
          if (i > 0) times.push(ms); // the first call warms the token cache and the title store
        }
        return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      };
      const users = await median(`${slow.urls.users}/users/u_1`);
      const catalog = await median(`${slow.urls.catalog}/titles/t_1`);
      const billing = await median(`${slow.urls.billing}/billing/u_1`);
      expect(users).toBeGreaterThanOrEqual(48);
      expect(users).toBeLessThan(500);
      expect(catalog).toBeLessThan(40);
      expect(billing).toBeLessThan(40);
    } finally {
      await slow.close();
    }
  });
});
