import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';
import { startTestStack, testConfig, type TestStack } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { startRecorder } from '../support/recorder.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { MOBILE_NEEDS } from '../../bffs/mobile/needs.ts';
import { pino } from 'pino';
import { fetchOver } from '../support/served.ts';

const TV_HEADERS = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos' };

/** Calls per downstream route during one request, identity (token minting, JWKS) aside. */
async function callsDuring(stack: TestStack, run: () => Promise<unknown>): Promise<Record<string, number>> {
  await stack.mocks.resetCounters();
  await run();
  const routes: Record<string, number> = {};
  for (const service of Object.keys(stack.mocks.urls) as ServiceName[]) {
    if (service === 'identity') continue;
    const { routes: counted } = await stack.mocks.counters(service);
    for (const [route, count] of Object.entries(counted)) routes[`${service} ${route}`] = count;
  }
  return routes;
}

describe('one home screen costs one request per downstream endpoint', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  test('mobile home calls each of its six services exactly once', async () => {
    const calls = await callsDuring(stack, () => stack.graphql(stack.mobile, operation('mobile', 'MobileHome')));
    expect(calls).toEqual({
      'users GET /users/{id}': 1,
      'continue-watching GET /continue-watching/{userId}': 1,
      'my-list GET /my-list/{userId}': 1,
      'recommendations GET /recommendations/{userId}': 1,
      'catalog POST /titles/batch': 1,
      'notifications GET /notifications/{userId}/unread-count': 1,
    });
  });

  test('tv home calls each endpoint once, licences included, and never the services it does not show', async () => {
    const calls = await callsDuring(stack, () => stack.graphql(stack.tv, operation('tv', 'TvHome'), { headers: TV_HEADERS }));
    expect(calls).toEqual({
      'users GET /users/{id}': 1,
      'continue-watching GET /continue-watching/{userId}': 1,
      'my-list GET /my-list/{userId}': 1,
      'recommendations GET /recommendations/{userId}': 1,
      'recommendations GET /trending': 1,
      'catalog POST /titles/batch': 1,
      'playback POST /playback/licenses': 1,
    });
  });

  test('web home batches ratings for every item into one summaries call', async () => {
    const calls = await callsDuring(stack, () => stack.graphql(stack.web, operation('web', 'WebHome')));
    expect(calls).toEqual({
      'users GET /users/{id}': 1,
      'continue-watching GET /continue-watching/{userId}': 1,
      'my-list GET /my-list/{userId}': 1,
      'recommendations GET /recommendations/{userId}': 1,
      'recommendations GET /trending': 1,
      'catalog POST /titles/batch': 1,
      'reviews POST /reviews/summaries': 1,
    });
  });

  test('a longer list does not add requests: 20 more titles in my-list still cost one catalog batch', async () => {
    const sub = 'u_5';
    const token = await stack.mocks.serviceToken(sub, { services: ['my-list'] });
    for (let n = 9000; n < 9020; n++) {
      await fetch(`${stack.mocks.urls['my-list']}/my-list/${sub}/t_${n}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    }
    const calls = await callsDuring(stack, async () => {
      const { body } = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'), { sub });
      const myList = body.data.home.rows.find((row: { id: string }) => row?.id === 'my-list');
      expect(myList.items).toHaveLength(20);
    });
    expect(calls['catalog POST /titles/batch']).toBe(1);
  });

  test('a document that selects only the profile calls only the users service', async () => {
    const calls = await callsDuring(stack, () => stack.graphql(stack.mobile, '{ home { profile { name } } }'));
    expect(calls).toEqual({ 'users GET /users/{id}': 1 });
  });

  test('the catalog and the users service are asked only for the fields mobile shows', async () => {
    const catalog = await startRecorder(stack.mocks.urls.catalog);
    const users = await startRecorder(stack.mocks.urls.users);
    const bff = createMobileBff(testConfig({ ...stack.mocks.urls, catalog: catalog.url, users: users.url }), { logger: pino({ level: 'silent' }) });
    const token = await stack.mocks.token('u_1');
    const response = await fetchOver(bff, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: operation('mobile', 'MobileHome') }),
    });
    expect(response.status).toBe(200);

    expect(catalog.seen).toHaveLength(1);
    expect(JSON.parse(catalog.seen[0]!.body).fields).toEqual([...MOBILE_NEEDS.titleFields]);
    expect(new URL(users.seen[0]!.url, 'http://x').searchParams.get('fields')).toBe(MOBILE_NEEDS.userFields.join(','));
    await Promise.all([bff.close(), catalog.close(), users.close()]);
  });
});

describe('independent calls run in parallel', () => {
  // Long enough that a missed round trip stands out from a loaded machine's noise (SLACK_MS): the
  // bounds sit between the round trips the screen should take and those of a sequential fan-out.
  const LATENCY_MS = 100;
  const SLACK_MS = 150;
  let stack: TestStack;
  beforeAll(async () => {
    // No title cache: the warm-up's titles would be kept, and the screens measured here are
    // every service's fan-out, the catalog's included (title-cache.test.ts measures the cache).
    stack = await startTestStack({ MOCKS_LATENCY_MS: String(LATENCY_MS) }, { config: { titleCacheMb: 0 } });
    // Warm the JWKS cache, the connection pools and the viewer's exchanged tokens (TV's licences
    // too, which only a device that names its DRM system asks for), so the timing measures the
    // screen alone (a cold viewer's exchanges: bench/cold-home.ts).
    await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    await stack.graphql(stack.tv, operation('tv', 'TvHome'), { headers: TV_HEADERS });
    await stack.graphql(stack.web, operation('web', 'WebHome'));
  });
  afterAll(() => stack.close());

  async function timeHome(run: () => Promise<{ status: number }>) {
    const calls = await callsDuring(stack, async () => {
      const started = performance.now();
      const { status } = await run();
      expect(status).toBe(200);
      (timeHome as { last?: number }).last = performance.now() - started;
    });
    const sequentialMs = Object.values(calls).reduce((sum, n) => sum + n, 0) * LATENCY_MS;
    return { elapsedMs: (timeHome as { last?: number }).last!, sequentialMs };
  }

  test('mobile home with 100 ms on every service takes two round trips, not six', async () => {
    const { elapsedMs, sequentialMs } = await timeHome(() => stack.graphql(stack.mobile, operation('mobile', 'MobileHome')));
    expect(sequentialMs).toBe(6 * LATENCY_MS);
    expect(elapsedMs).toBeLessThan(2 * LATENCY_MS + SLACK_MS);
  });

  // users → trending (region) → catalog → playback or reviews: four hops where seven calls are made.
  test('tv and web homes take four round trips where seven calls are made', async () => {
    for (const run of [
      () => stack.graphql(stack.tv, operation('tv', 'TvHome'), { headers: TV_HEADERS }),
      () => stack.graphql(stack.web, operation('web', 'WebHome')),
    ]) {
      const { elapsedMs, sequentialMs } = await timeHome(run);
      expect(sequentialMs).toBe(7 * LATENCY_MS);
      expect(elapsedMs).toBeLessThan(4 * LATENCY_MS + SLACK_MS);
    }
  });
});
