import { randomInt } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startBffProcess, type BffProcess } from '../support/processes.ts';

/**
 * The viewer budget across replicas, with real processes, a real Redis and real HTTP: two mobile
 * BFF processes sharing one Redis admit one budget between them, not one each; and a BFF whose
 * Redis is out of reach keeps serving on its in-process insurance limiter.
 *
 * Needs Redis at 127.0.0.1:6379 (`.ci/run` starts it). Keys are the perimeter's own
 * (`concierge:rate:mobile:viewer:<id>`), for viewers picked at random per run and deleted before
 * and after; nothing else in the Redis is touched.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Nothing listens on port 1: connection refused at once. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:1';
const QUERY = '{ home { downloadEnabled } }';
/** armor's cost: objectCost 2 for `home`, scalarCost 1 × depthCostFactor 1.5 for `downloadEnabled` = 3.5, rounded up. */
const COST = 4;
/** Requests the viewer budget admits. */
const N = 10;
const BUDGET = N * COST;
const BURST = 60;
const VIEWER_KEY = (viewer: string) => `concierge:rate:mobile:viewer:${viewer}`;

// The burst is one viewer's, all at once: the in-flight caps are lifted so only the budget decides.
const budgetEnv = { RATE_LIMIT_VIEWER: `${BUDGET}/60`, RATE_LIMIT_IP: '1000000/60', IN_FLIGHT_VIEWER: String(BURST), IN_FLIGHT_IP: String(BURST) };

const redisProbe = () => createClient({ url: REDIS_URL, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
let redis: ReturnType<typeof redisProbe> | undefined;
let mocks: TestMocks | undefined;
const processes: BffProcess[] = [];
let shared: [BffProcess, BffProcess];
let solo: [BffProcess, BffProcess];
let orphan: BffProcess;

/** Distinct seeded viewers (u_1..u_1000), fresh per run, so a rerun within the keys' 60 s starts clean. */
const viewers = (() => {
  const picked = new Set<string>();
  while (picked.size < 5) picked.add(`u_${randomInt(1, 1001)}`);
  const [burst, warmA, warmB, solo, orphan] = [...picked] as [string, string, string, string, string];
  return { burst, warmA, warmB, solo, orphan };
})();
const tokens = new Map<string, string>();

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function home(bff: BffProcess, viewer: string): Promise<Answer> {
  const res = await fetch(`${bff.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${tokens.get(viewer)}` },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** The viewer budget's `r` in a `RateLimit` field such as `"ip";r=999996;t=60, "viewer";r=36;t=60`. */
function viewerRemaining(answer: Answer): number {
  const match = /"viewer";r=(\d+);t=(\d+)/.exec(answer.headers.get('ratelimit') ?? '');
  if (!match) throw new Error(`no viewer budget in ratelimit: ${answer.headers.get('ratelimit')}`);
  return Number(match[1]);
}

/** `burst` requests at once for `viewer`, spread round-robin over `bffs`. */
const burst = (bffs: BffProcess[], viewer: string, count: number) => Promise.all(Array.from({ length: count }, (_, i) => home(bffs[i % bffs.length]!, viewer)));

function expectRateLimited(answer: Answer) {
  expect(answer.status).toBe(429);
  expect(answer.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.headers.get('ratelimit-policy')).toContain(`"viewer";q=${BUDGET};w=60`);
  expect(answer.headers.get('ratelimit')).toMatch(/"viewer";r=0;t=\d+/);
}

function expectServed(answer: Answer) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.errors).toBeUndefined();
  expect(typeof answer.body.data.home.downloadEnabled).toBe('boolean');
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

beforeAll(async () => {
  // A missing Redis fails this file: CI must not pass with the shared budget untested.
  const client = redisProbe();
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') throw new Error('PING did not answer PONG');
  } catch (error) {
    await client.destroy();
    throw new Error(
      `Redis is not answering at 127.0.0.1:6379 (${(error as Error).message}). These tests need a real Redis: .ci/run starts one ` +
        `(installing Debian's redis-server if missing); locally run \`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\`.`,
    );
  }
  redis = client;
  await redis.del(Object.values(viewers).map(VIEWER_KEY));

  mocks = await startTestMocks();
  const urls = mocks.urls;
  const start = (env: Record<string, string>) =>
    startBffProcess('mobile', urls, { ...budgetEnv, ...env }).then((bff) => {
      processes.push(bff);
      return bff;
    });
  // allSettled: when one fails to start, the others have still been recorded for afterAll to stop.
  const started = await Promise.allSettled([start({ REDIS_URL }), start({ REDIS_URL }), start({}), start({}), start({ REDIS_URL: DEAD_REDIS_URL, LOG_LEVEL: 'warn' })]);
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  const [a, b, c, d, e] = started.map((outcome) => (outcome as PromiseFulfilledResult<BffProcess>).value) as [BffProcess, BffProcess, BffProcess, BffProcess, BffProcess];
  shared = [a, b];
  solo = [c, d];
  orphan = e;
  await Promise.all(Object.values(viewers).map(async (viewer) => tokens.set(viewer, await mocks!.token(viewer))));
}, 30_000);

afterAll(async () => {
  await Promise.all(processes.map((bff) => bff.stop()));
  await mocks?.close();
  if (redis) {
    await redis.del(Object.values(viewers).map(VIEWER_KEY));
    await redis.quit();
  }
});

describe('viewer budget in Redis, across two BFF processes', () => {
  test('each process spends from Redis (and the probe query costs 4 points)', async () => {
    for (const [bff, viewer] of [
      [shared[0], viewers.warmA],
      [shared[1], viewers.warmB],
    ] as const) {
      const first = await home(bff, viewer);
      expectServed(first);
      expect(viewerRemaining(first)).toBe(BUDGET - COST);
      // Redis connects in the background: until it is ready a spend goes to the insurance
      // limiter. Spend (well within budget) until this process's spends land in Redis.
      let spends = 1;
      while ((await redis!.get(VIEWER_KEY(viewer))) === null) {
        expect(spends, `${bff.origin} never spent from Redis:\n${bff.output()}`).toBeLessThan(N - 1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expectServed(await home(bff, viewer));
        spends++;
      }
      const stored = Number(await redis!.get(VIEWER_KEY(viewer)));
      expect(stored % COST).toBe(0);
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThanOrEqual(spends * COST);
      const ttl = await redis!.ttl(VIEWER_KEY(viewer));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
    }
  });

  test(`${BURST} concurrent requests over both processes: exactly ${N} admitted, the rest 429 RATE_LIMITED`, async () => {
    const answers = await burst(shared, viewers.burst, BURST);
    const statuses = answers.map((a) => a.status);
    expect(count(answers, 200), `statuses: ${statuses.join(',')}`).toBe(N);
    expect(count(answers, 429), `statuses: ${statuses.join(',')}`).toBe(BURST - N);
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-policy')).toContain(`"viewer";q=${BUDGET};w=60`);
      if (answer.status === 200) expectServed(answer);
      else expectRateLimited(answer);
    }
    // Every spend went through Redis's one counter, refused ones included.
    expect(Number(await redis!.get(VIEWER_KEY(viewers.burst)))).toBe(BURST * COST);
  });

  test(`contrast: the same burst over two processes without Redis admits ${2 * N}, one budget per process`, async () => {
    const answers = await burst(solo, viewers.solo, BURST);
    expect(count(answers, 200)).toBe(2 * N);
    expect(count(answers, 429)).toBe(BURST - 2 * N);
    for (const answer of answers) if (answer.status === 429) expectRateLimited(answer);
    expect(await redis!.get(VIEWER_KEY(viewers.solo))).toBeNull();
  });
});

describe('Redis out of reach', () => {
  test('the BFF keeps serving, limited by its in-process insurance budget, and logs the outage', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i <= N; i++) answers.push(await home(orphan, viewers.orphan));
    for (const answer of answers.slice(0, N)) expectServed(answer);
    expect(answers.slice(0, N).map(viewerRemaining)).toEqual(Array.from({ length: N }, (_, i) => BUDGET - (i + 1) * COST));
    expectRateLimited(answers[N]!);
    expect(orphan.output()).toContain('Redis is unavailable');
    expect(await redis!.get(VIEWER_KEY(viewers.orphan))).toBeNull();
  });
});
