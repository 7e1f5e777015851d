import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { createClient } from 'redis';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { raw, type RawResponse } from '../support/raw-http.ts';
import { originOf } from '../support/served.ts';

/**
 * The BFF's response cache, seen from outside: how many calls reach the services, and what each
 * viewer is answered. In process, and in the real Redis shared by two BFFs (two replicas).
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOME = documentId('mobile', 'MobileHome');
const TITLE = documentId('mobile', 'MobileTitle');
const ADD = documentId('mobile', 'AddToMyList');

let mocks: TestMocks;
const tokens: Record<string, string> = {};
const built: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
  for (const sub of ['u_1', 'u_2', 'u_3', 'u_4', 'u_5', 'u_6', 'u_7', 'u_9']) tokens[sub] = await mocks.token(sub);
});
afterAll(async () => {
  await Promise.all(built.map((bff) => bff.close()));
  await mocks?.close();
});
beforeEach(async () => {
  await mocks.clearFaults();
  await mocks.resetCounters();
});

function mobileBff(overrides: Parameters<typeof testConfig>[1] = {}): Bff {
  const bff = createMobileBff(testConfig(mocks.urls, { responseCache: true, ...overrides }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
  built.push(bff);
  return bff;
}

async function calls(): Promise<number> {
  const services = ['users', 'catalog', 'recommendations', 'continue-watching', 'my-list', 'notifications'] as const;
  const counted = await Promise.all(services.map((service) => mocks.counters(service)));
  return counted.reduce((sum, { total }) => sum + total, 0);
}

const auth = (sub: string) => ({ authorization: `Bearer ${tokens[sub]}`, accept: 'application/json', 'x-client-version': '1.1.0' });

async function query(bff: Bff, id: string, sub: string, variables?: object, method: 'GET' | 'POST' = 'POST'): Promise<RawResponse & { json: any }> {
  const origin = await originOf(bff);
  const response =
    method === 'GET'
      ? await raw(`${origin}/graphql?${new URLSearchParams({ documentId: id, ...(variables ? { variables: JSON.stringify(variables) } : {}) })}`, { headers: auth(sub) })
      : await raw(`${origin}/graphql`, { method: 'POST', headers: { ...auth(sub), 'content-type': 'application/json' }, body: JSON.stringify({ documentId: id, variables }) });
  return { ...response, json: JSON.parse(response.body.toString('utf8') || 'null') };
}

const myListRow = (response: { json: any }) => response.json.data.home.rows.find((row: any) => row?.id === 'my-list');

describe('in process', () => {
  let bff: Bff;
  beforeAll(async () => {
    bff = mobileBff();
    await query(bff, HOME, 'u_9'); // a cold process's first home (JWKS, pools) is no one's measure
  });

  test('a second home within its maxAge reaches no service, by POST and GET, on the lane and on yoga, and says its Age', async () => {
    const first = await query(bff, HOME, 'u_1');
    expect(first.status).toBe(200);
    const computed = await calls();
    expect(computed).toBeGreaterThanOrEqual(5);
    const post = await query(bff, HOME, 'u_1');
    const get = await query(bff, HOME, 'u_1', undefined, 'GET');
    expect(await calls()).toBe(computed);
    // yoga's path (FAST_LANE=off) answers from its cache the same way.
    const yogaOnly = mobileBff({ fastLane: false });
    const yogaFirst = await query(yogaOnly, HOME, 'u_1', undefined, 'GET');
    await mocks.resetCounters();
    const yoga = await query(yogaOnly, HOME, 'u_1');
    expect(await calls()).toBe(0);
    expect(yoga.body.equals(yogaFirst.body)).toBe(true);
    for (const hit of [post, get, yoga]) {
      expect(hit.body.equals(first.body)).toBe(true);
      expect(hit.headers.etag).toBe(first.headers.etag);
      expect(hit.headers['cache-control']).toBe('private, max-age=60');
      expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(0);
    }
  });

  test('viewers never share a private answer; variables and documents never share an entry', async () => {
    const a = await query(bff, HOME, 'u_1');
    await mocks.resetCounters();
    const b = await query(bff, HOME, 'u_2');
    expect(await calls()).toBeGreaterThan(0);
    expect(b.json.data.home.profile.name).not.toBe(a.json.data.home.profile.name);

    const t1 = await query(bff, TITLE, 'u_1', { id: 't_1' });
    const t2 = await query(bff, TITLE, 'u_1', { id: 't_2' });
    expect(t1.json.data.title.id).toBe('t_1');
    expect(t2.json.data.title.id).toBe('t_2');
  });

  test("a mutation that ran shows at once in that viewer's home and title; another viewer's entries stay", async () => {
    const before = await query(bff, HOME, 'u_3');
    const title = await query(bff, TITLE, 'u_3', { id: 't_77' });
    expect(title.json.data.title.inMyList).toBe(false);
    await query(bff, HOME, 'u_4');
    expect(myListRow(before)?.items.some((item: any) => item.contentId === 't_77') ?? false).toBe(false);

    const added = await query(bff, ADD, 'u_3', { contentId: 't_77' });
    expect(added.json.data.addToMyList).toEqual({ contentId: 't_77', inMyList: true, changed: true, __typename: 'MyListUpdate' });

    await mocks.resetCounters();
    const after = await query(bff, HOME, 'u_3');
    expect(myListRow(after).items.some((item: any) => item.contentId === 't_77')).toBe(true);
    expect((await query(bff, TITLE, 'u_3', { id: 't_77' })).json.data.title.inMyList).toBe(true);
    expect(await calls()).toBeGreaterThan(0);

    await mocks.resetCounters();
    await query(bff, HOME, 'u_4');
    expect(await calls()).toBe(0);
  });

  test('a home begun before a mutation ended never stores its older answer over it', async () => {
    const viewer = 'u_6';
    // The home reads the list at once, then waits on the slow users service while the mutation
    // runs and ends; its answer (without the title) is stored after the mutation.
    await mocks.setFaults('users', { latencyMs: 400 });
    const slowHome = query(bff, HOME, viewer);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await mocks.clearFaults();
    const added = await query(bff, ADD, viewer, { contentId: 't_606' });
    expect(added.json.data.addToMyList.changed).toBe(true);
    const old = await slowHome;
    expect(myListRow(old)?.items.some((item: any) => item.contentId === 't_606') ?? false).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the old answer's store has run
    const next = await query(bff, HOME, viewer);
    expect(myListRow(next).items.some((item: any) => item.contentId === 't_606')).toBe(true);
  });

  test('a mutation whose outcome is unknown (it timed out) invalidates too', async () => {
    const viewer = 'u_7';
    await query(bff, HOME, viewer);
    await mocks.setFaults('my-list', { hang: true });
    const unknown = await query(bff, ADD, viewer, { contentId: 't_707' });
    expect(unknown.json.errors?.[0]?.extensions?.code).toBeDefined();
    await mocks.clearFaults();
    await mocks.resetCounters();
    await query(bff, HOME, viewer);
    expect(await calls()).toBeGreaterThan(0);
  });

  test('a partial answer is never stored: each home with a failing service is computed again', async () => {
    await mocks.setFaults('notifications', { errorStatus: 500 });
    const viewer = 'u_5'; // no home yet: no last good value to serve stale
    const first = await query(bff, HOME, viewer);
    expect(first.json.errors?.length).toBeGreaterThan(0);
    expect(first.headers['cache-control']).toBe('no-store');
    await mocks.resetCounters();
    await query(bff, HOME, viewer);
    expect((await mocks.counters('users')).total).toBe(1);
  });

  test('RESPONSE_CACHE=off computes every answer and keeps the HTTP headers', async () => {
    const off = mobileBff({ responseCache: false });
    await query(off, HOME, 'u_1');
    await mocks.resetCounters();
    const again = await query(off, HOME, 'u_1');
    expect(await calls()).toBeGreaterThan(0);
    expect(again.headers['cache-control']).toBe('private, max-age=60');
  });
});

describe('in Redis, shared by two BFFs', () => {
  let one: Bff;
  let two: Bff;
  const deployId = `test-${randomUUID()}`;

  beforeAll(() => {
    one = mobileBff({ redisUrl: REDIS_URL, deployId });
    two = mobileBff({ redisUrl: REDIS_URL, deployId });
  });

  test("one replica's answer is the other's hit; a mutation on either drops it for both; every key has a TTL", async () => {
    const first = await query(one, HOME, 'u_1');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the store is written after the answer is sent
    await mocks.resetCounters();
    const hit = await query(two, HOME, 'u_1');
    expect(await calls()).toBe(0);
    expect(hit.body.equals(first.body)).toBe(true);

    await query(two, ADD, 'u_1', { contentId: 't_4242' });
    await mocks.resetCounters();
    const after = await query(one, HOME, 'u_1');
    expect(await calls()).toBeGreaterThan(0);
    expect(myListRow(after).items.some((item: any) => item.contentId === 't_4242')).toBe(true);

    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const keys: string[] = [];
      // The test looks with SCAN; the BFF never does.
      for await (const batch of redis.scanIterator({ MATCH: `concierge:response:mobile:*`, COUNT: 1000 })) keys.push(...batch);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const ttl = await redis.ttl(key);
        expect(ttl > 0 ? 'expires' : `${key} has no TTL`).toBe('expires');
        expect(ttl).toBeLessThanOrEqual(60);
      }
      const invalidation = await redis.pTTL('concierge:response:invalidated:u_1');
      expect(invalidation).toBeGreaterThan(0);
      expect(invalidation).toBeLessThanOrEqual(10 * 60 * 1000);
    } finally {
      await redis.close();
    }
  });

  test('another deploy starts clean', async () => {
    await query(one, HOME, 'u_2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = mobileBff({ redisUrl: REDIS_URL, deployId: `${deployId}-next` });
    await mocks.resetCounters();
    await query(next, HOME, 'u_2');
    expect(await calls()).toBeGreaterThan(0);
  });
});
