import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';

/**
 * The shared title cache over real HTTP: the catalog mock sends `Cache-Control: public,
 * max-age=60, stale-while-revalidate=600` and an ETag per title, and each BFF's clock is the
 * test's to move. Catalog calls are read from the mock's counters.
 */
const MAX_AGE_S = 60;
const STALE_S = 600;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MOBILE_HOME = operation('mobile', 'MobileHome');

let mocks: TestMocks;
let token: string;
const opened: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks({ CATALOG_MAX_AGE_SECONDS: String(MAX_AGE_S), CATALOG_STALE_WHILE_REVALIDATE_SECONDS: String(STALE_S) });
  token = await mocks.token('u_1');
});
afterAll(async () => {
  await Promise.all(opened.map((bff) => bff.close()));
  await mocks.close();
});

/** A mobile BFF on a clock the test moves (`clock.now`, ms since the epoch). */
function mobileBff(clock: { now: number }, config: Partial<BffConfig> = {}, titleCachePrefix?: string, burst?: number): Bff {
  const bff = createMobileBff(testConfig(mocks.urls, config), {
    clock: () => new Date(clock.now),
    logger: pino({ level: 'silent' }),
    titleCachePrefix,
    // A burst (of one viewer's homes at once): a deadline a busy machine cannot miss, caps and budgets that let every one in.
    policy: { ...(burst ? { deadlineMs: 5_000 } : {}), shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
    ...(burst ? { perimeter: { inFlight: { viewer: burst, ip: burst }, rateLimits: { viewer: { points: 1_000_000_000, windowSeconds: 60 }, ip: { points: 1_000_000_000, windowSeconds: 60 } } } } : {}),
  });
  opened.push(bff);
  return bff;
}

async function home(bff: Bff, as = token) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
    body: JSON.stringify({ query: MOBILE_HOME }),
  });
  return { status: response.status, body: await response.json() };
}

/** The catalog's routes called, and its 304s (`details`), while `run` runs. */
const catalogDuring = (run: () => Promise<unknown>) => mocks.callsDuring('catalog', run);

const titlesOn = (body: any) => new Set<string>(body.data.home.rows.flatMap((row: { items: { contentId: string }[] }) => row.items.map((item) => item.contentId)));

describe('one BFF keeps the titles it fetched, as long as the catalog allows', () => {
  test("a warm BFF's second home makes no catalog call and shows the same titles", async () => {
    const bff = mobileBff({ now: TEST_NOW.getTime() });
    let first: any;
    expect(await catalogDuring(async () => (first = await home(bff)))).toEqual({ routes: { 'POST /titles/batch': 1 }, details: {} });
    let second: any;
    expect(await catalogDuring(async () => (second = await home(bff)))).toEqual({ routes: {}, details: {} });
    expect(second).toEqual(first);
    expect(first.body.errors).toBeUndefined();
  });

  test('past max-age a stale title is served at once and revalidated with If-None-Match: each answered 304, and the next home is fresh again', async () => {
    const clock = { now: TEST_NOW.getTime() };
    const bff = mobileBff(clock);
    const first = await home(bff);
    const shown = titlesOn(first.body);
    expect(shown.size).toBeGreaterThan(10);

    clock.now += (MAX_AGE_S + 1) * 1000;
    let stale: any;
    const duringStale = await catalogDuring(async () => {
      stale = await home(bff);
      // What the home waited for: no batch. The revalidations run behind it.
      expect((await mocks.counters('catalog')).routes['POST /titles/batch']).toBeUndefined();
      await bff.titleCache.settled();
    });
    expect(stale.body).toEqual(first.body);
    expect(duringStale).toEqual({ routes: { 'GET /titles/{id}': shown.size }, details: { 'GET /titles/{id} 304': shown.size } });

    // The 304s made them fresh for another max-age.
    expect(await catalogDuring(() => home(bff))).toEqual({ routes: {}, details: {} });
  });

  test('past the stale window a title is no longer served: the home asks the catalog in one batch', async () => {
    const clock = { now: TEST_NOW.getTime() };
    const bff = mobileBff(clock);
    await home(bff);
    clock.now += (MAX_AGE_S + STALE_S + 1) * 1000;
    expect(await catalogDuring(() => home(bff))).toEqual({ routes: { 'POST /titles/batch': 1 }, details: {} });
  });

  test('a failed batch keeps nothing: once the catalog recovers the next home asks again, and the one after does not', async () => {
    const bff = mobileBff({ now: TEST_NOW.getTime() });
    await mocks.setFaults('catalog', { errorStatus: 503 });
    const failed = await home(bff);
    expect(failed.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toContain('DOWNSTREAM_UNAVAILABLE');
    await mocks.clearFaults();
    expect((await catalogDuring(() => home(bff))).routes).toEqual({ 'POST /titles/batch': 1 });
    expect((await catalogDuring(() => home(bff))).routes).toEqual({});
  });

  test('TITLE_CACHE_MB=0 turns the cache off: every home asks the catalog', async () => {
    const bff = mobileBff({ now: TEST_NOW.getTime() }, { titleCacheMb: 0 });
    await home(bff);
    expect((await catalogDuring(() => home(bff))).routes).toEqual({ 'POST /titles/batch': 1 });
  });
});

describe('replicas share titles through Redis', () => {
  const prefix = `concierge:test:titles:${randomUUID()}:`;
  const redis = createClient({ url: REDIS_URL });
  const keysUnder = async (match: string) => {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${match}*`, COUNT: 1_000 })) keys.push(...batch);
    return keys;
  };
  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    const keys = await keysUnder(prefix);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  test("the second replica's first home makes no catalog batch, and every key it shares has a TTL", async () => {
    const clock = { now: TEST_NOW.getTime() };
    const [a, b] = [mobileBff(clock, { redisUrl: REDIS_URL }, prefix), mobileBff(clock, { redisUrl: REDIS_URL }, prefix)];
    let first: any;
    expect((await catalogDuring(async () => (first = await home(a)))).routes).toEqual({ 'POST /titles/batch': 1 });

    const keys = await keysUnder(prefix);
    expect(keys.length).toBeGreaterThanOrEqual(titlesOn(first.body).size);
    for (const key of keys) {
      const ttlMs = await redis.pTTL(key);
      expect(ttlMs).toBeGreaterThan(0);
      expect(ttlMs).toBeLessThanOrEqual((MAX_AGE_S + STALE_S) * 1000);
    }

    let second: any;
    expect((await catalogDuring(async () => (second = await home(b)))).routes).toEqual({});
    expect(second).toEqual(first);
  });

  test('a Redis that is down costs only the sharing: the home is served from the catalog', async () => {
    const bff = mobileBff({ now: TEST_NOW.getTime() }, { redisUrl: 'redis://127.0.0.1:1' }, prefix);
    let answer: any;
    expect((await catalogDuring(async () => (answer = await home(bff)))).routes).toEqual({ 'POST /titles/batch': 1 });
    expect(answer.body.errors).toBeUndefined();
  });
});

/**
 * Concurrent misses of a title share one catalog fetch, across requests: a home that misses a
 * title another home's batch is already fetching waits for that batch instead of sending its own.
 * The catalog is slowed so that every home of the burst misses while the first batch is out.
 */
describe.each([
  ['in memory', {}],
  ['with REDIS_URL', { redisUrl: REDIS_URL }],
] as const)('concurrent misses share one catalog fetch (%s)', (_, config) => {
  const BURST = 50;
  const VIEWERS = ['u_1', 'u_2', 'u_3', 'u_4', 'u_5'];
  const CATALOG_LATENCY_MS = 300;
  const prefix = `concierge:test:titles:${randomUUID()}:`;
  const redis = createClient({ url: REDIS_URL });
  beforeAll(async () => {
    await redis.connect();
  });
  afterAll(async () => {
    await mocks.clearFaults();
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1_000 })) keys.push(...batch);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });

  /** The burst's homes on a cold cache, `as(i)` the viewer of the i-th; the catalog's batches during it. */
  async function burst(as: (i: number) => string) {
    const bff = mobileBff({ now: TEST_NOW.getTime() }, config, `${prefix}${randomUUID()}:`, BURST);
    const tokens = new Map(await Promise.all(VIEWERS.map(async (sub) => [sub, await mocks.token(sub)] as const)));
    // Each viewer's token verified, with a query that reads no title: the title cache stays cold.
    // (Asked again while identity's keys are slow to come on a busy machine: 503 IDENTITY_UNAVAILABLE.)
    for (const as of tokens.values()) {
      const warm = () => fetchOver(bff, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` }, body: JSON.stringify({ query: '{ home { downloadEnabled } }' }) });
      await expect.poll(async () => (await warm()).status, { timeout: 10_000, interval: 200 }).toBe(200);
    }
    await mocks.setFaults('catalog', { latencyMs: CATALOG_LATENCY_MS });
    let answers: { sub: string; status: number; body: any }[] = [];
    const { routes } = await catalogDuring(async () => {
      answers = await Promise.all(Array.from({ length: BURST }, async (_, i) => ({ sub: as(i), ...(await home(bff, tokens.get(as(i)))) })));
    });
    await mocks.clearFaults();
    return { batches: routes['POST /titles/batch'] ?? 0, answers };
  }

  /** Every home whole, and each viewer's homes the same screen. */
  function expectWholeHomes(answers: { sub: string; status: number; body: any }[]) {
    const bySub = new Map<string, string>();
    for (const { sub, status, body } of answers) {
      expect(status, JSON.stringify(body.errors)).toBe(200);
      expect(body.errors).toBeUndefined();
      const screen = JSON.stringify(body.data);
      expect(bySub.get(sub) ?? screen).toBe(screen);
      bySub.set(sub, screen);
    }
    expect(titlesOn(answers[0]!.body).size).toBeGreaterThan(10);
  }

  test(`${BURST} concurrent homes of one viewer on a cold cache send one catalog batch`, async () => {
    const { batches, answers } = await burst(() => 'u_1');
    expectWholeHomes(answers);
    expect(batches).toBe(1);
  });

  test(`${BURST} concurrent homes of ${VIEWERS.length} viewers, sharing titles, send at most one batch per viewer`, async () => {
    const { batches, answers } = await burst((i) => VIEWERS[i % VIEWERS.length]!);
    expectWholeHomes(answers);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(VIEWERS.length);
  });
});
