import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { operation } from '../support/documents.ts';
import { bffFor } from './support.ts';
import { fetchOver } from '../support/served.ts';

let mocks: TestMocks;
let token: string;
beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
});
afterAll(() => mocks.close());

async function timed(bff: Bff, query: string) {
  const started = performance.now();
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: await response.json(), elapsedMs: performance.now() - started };
}

describe('a hanging service slows only what uses it', () => {
  test('reviews hanging under web home load: mobile home, tv home and the web account page stay fast', async () => {
    const web = bffFor('web', mocks.urls, { deadlineMs: 1_500 });
    const mobile = bffFor('mobile', mocks.urls, { deadlineMs: 1_500 });
    const tv = bffFor('tv', mocks.urls, { deadlineMs: 1_500 });
    // Warm pools and caches, so the comparison is of steady state.
    for (const [bff, doc] of [[web, operation('web', 'WebAccount')], [mobile, operation('mobile', 'MobileHome')], [tv, operation('tv', 'TvHome')]] as const) {
      expect((await timed(bff, doc)).status).toBe(200);
    }
    await mocks.setFaults('reviews', { hang: true });

    // Twenty web homes are stuck on reviews until their deadline...
    const stuck = Array.from({ length: 20 }, () => timed(web, operation('web', 'WebHome')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // ...while screens that never call reviews answer at their normal speed.
    const account = await timed(web, operation('web', 'WebAccount'));
    const mobileHome = await timed(mobile, operation('mobile', 'MobileHome'));
    const tvHome = await timed(tv, operation('tv', 'TvHome'));
    for (const result of [account, mobileHome, tvHome]) {
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
      expect(result.elapsedMs).toBeLessThan(400);
    }

    const webHomes = await Promise.all(stuck);
    for (const home of webHomes) {
      expect(home.status).toBe(200);
      // Twenty answers of ~80 field errors each, rendered on the same thread as the mocks.
      expect(home.elapsedMs).toBeLessThan(1_500 + 700);
      expect(home.body.data.home.rows.length).toBe(4);
    }
    await mocks.clearFaults();
    await Promise.all([web.close(), mobile.close(), tv.close()]);
  });
});

describe('load shedding', () => {
  test('above the in-flight cap new requests get 503 OVERLOADED with Retry-After, and /health still answers', async () => {
    const mobile = bffFor('mobile', mocks.urls, { deadlineMs: 1_000, shedding: { maxInFlight: 2, maxEventLoopDelayMs: 10_000 } });
    await mocks.setFaults('catalog', { hang: true });
    const inFlight = [timed(mobile, operation('mobile', 'MobileHome')), timed(mobile, operation('mobile', 'MobileHome'))];
    await new Promise((resolve) => setTimeout(resolve, 100));

    const shed = await timed(mobile, operation('mobile', 'MobileHome'));
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.body.errors[0].extensions.code).toBe('OVERLOADED');
    expect(shed.elapsedMs).toBeLessThan(100);
    expect((await mobile.fetch('http://bff/health')).status).toBe(200);

    await Promise.all(inFlight);
    await mocks.clearFaults();
    expect((await timed(mobile, operation('mobile', 'MobileHome'))).status).toBe(200);
    await mobile.close();
  });
});
