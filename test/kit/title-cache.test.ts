import { MockAgent } from 'undici';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freshnessOf } from '../../bffs/kit/caching/freshness.ts';
import { createTitleCache, type TitleSource } from '../../bffs/kit/caching/title-cache.ts';
import { DownstreamHttp } from '../../bffs/kit/downstream/http-client.ts';
import { catalogClient, type TitleField } from '../../bffs/kit/downstream/services/catalog.ts';
import { Deadline } from '../../bffs/kit/resilience/deadline.ts';
import { ServiceGuard } from '../../bffs/kit/downstream/service-guard.ts';
import { MOBILE_POLICY } from '../../bffs/mobile/policy.ts';

const ORIGIN = 'http://catalog.test';
const POLICY = { ...MOBILE_POLICY, retry: { ...MOBILE_POLICY.retry, maxAttempts: 1 } };
const FIELDS = ['name'] as TitleField[];
const PAD = 'x'.repeat(1_000);
const call = () => ({ credentials: { tokenFor: () => 'tok' }, requestId: 'req-1', deadline: Deadline.after(1_000) });

/**
 * A catalog behind undici's MockAgent, serving `{ id, name, pad }` for any id but `t_gone`, each
 * tagged by `version`, with `cacheControl`. `calls` records what reached it, as dataloader's own
 * tests record batches.
 */
let agent: MockAgent;
let calls: string[];
let version: number;
let cacheControl: string;
let failWith: number | undefined;
let clock: { now: number };
let cache: TitleSource;

const titleOf = (id: string) => (id === 't_gone' ? null : { id, name: `${id} v${version}`, pad: PAD });
const etagOf = (id: string) => (id === 't_gone' ? null : `"${id}-v${version}"`);
const headerOf = (headers: unknown, name: string) => (headers instanceof Headers ? headers.get(name) : (headers as Record<string, string> | undefined)?.[name]) ?? undefined;

function build(maxBytes = 1_000_000) {
  const http = new DownstreamHttp('catalog', ORIGIN, { guard: new ServiceGuard('catalog', POLICY), connections: 1, maxTimeoutMs: 1_000, dispatcher: agent.get(ORIGIN) });
  return createTitleCache({ catalog: catalogClient(http), maxBytes, now: () => clock.now, revalidationTimeoutMs: 1_000, logger: pino({ level: 'silent' }) });
}

beforeEach(() => {
  calls = [];
  version = 1;
  cacheControl = 'public, max-age=60, stale-while-revalidate=600';
  failWith = undefined;
  clock = { now: Date.parse('2026-11-21T12:00:00Z') };
  agent = new MockAgent();
  agent.disableNetConnect();
  agent.get(ORIGIN).intercept({ path: () => true, method: () => true }).reply<object>((request) => {
    const headers = { 'content-type': 'application/json', 'cache-control': cacheControl };
    if (request.method === 'POST') {
      const { ids } = JSON.parse(String(request.body)) as { ids: string[] };
      calls.push(`batch ${ids.join(',')}`);
      if (failWith) return { statusCode: failWith, data: { error: { code: 'INJECTED_FAULT', message: 'no' } } };
      return { statusCode: 200, data: { titles: ids.map(titleOf), etags: ids.map(etagOf) }, responseOptions: { headers } };
    }
    const id = new URL(request.path, ORIGIN).pathname.split('/').pop()!;
    const ifNoneMatch = headerOf(request.headers, 'if-none-match');
    calls.push(`GET ${id} if-none-match ${ifNoneMatch}`);
    if (failWith) return { statusCode: failWith, data: { error: { code: 'INJECTED_FAULT', message: 'no' } } };
    if (id === 't_gone' || version < 0) return { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: 'gone' } } };
    if (ifNoneMatch === etagOf(id)) return { statusCode: 304, data: '', responseOptions: { headers: { ...headers, etag: etagOf(id)! } } };
    return { statusCode: 200, data: titleOf(id)!, responseOptions: { headers: { ...headers, etag: etagOf(id)! } } };
  }).persist();
  cache = build();
});
afterEach(async () => {
  await cache.close();
  await agent.close();
});

const names = async (ids: string[]) => (await cache.read(call(), ids, FIELDS)).map((title) => (title as { name?: string } | null)?.name ?? null);
const seconds = (n: number) => (clock.now += n * 1000);

describe('what is kept, and for how long', () => {
  test('a read asks the catalog only for what it does not hold, in one batch', async () => {
    expect(await names(['t_1', 't_2'])).toEqual(['t_1 v1', 't_2 v1']);
    expect(await names(['t_2', 't_3', 't_1', 't_4'])).toEqual(['t_2 v1', 't_3 v1', 't_1 v1', 't_4 v1']);
    expect(calls).toEqual(['batch t_1,t_2', 'batch t_3,t_4']);
  });

  test('concurrent reads that miss the same titles share one batch: each asks only for what no batch is fetching', async () => {
    const reads = await Promise.all([names(['t_1', 't_2']), names(['t_2', 't_3']), names(['t_1', 't_2', 't_3'])]);
    expect(reads).toEqual([['t_1 v1', 't_2 v1'], ['t_2 v1', 't_3 v1'], ['t_1 v1', 't_2 v1', 't_3 v1']]);
    expect(calls).toEqual(['batch t_1,t_2', 'batch t_3']);
    expect(await names(['t_3', 't_1'])).toEqual(['t_3 v1', 't_1 v1']);
    expect(calls).toHaveLength(2);
  });

  test("a read whose shared batch fails for another request's reason (its client left) asks again with its own", async () => {
    const left = new AbortController();
    left.abort();
    const [gone, joiner] = await Promise.allSettled([cache.read({ ...call(), deadline: Deadline.after(1_000, left.signal) }, ['t_1', 't_2'], FIELDS), names(['t_2', 't_1'])]);
    expect(gone.status).toBe('rejected');
    expect(joiner).toEqual({ status: 'fulfilled', value: ['t_2 v1', 't_1 v1'] });
    // The aborted request's batch never reached the catalog; the joiner's own did, once.
    expect(calls).toHaveLength(1);
    expect(calls[0]!.replace('batch ', '').split(',').sort()).toEqual(['t_1', 't_2']);
  });

  test('the in-process level is bounded in bytes: past the bound, the title read longest ago goes first', async () => {
    await cache.close();
    cache = build(3_800); // about three 1 KB titles
    await names(['t_1', 't_2', 't_3']);
    await names(['t_1']);
    await names(['t_4']); // evicts t_2, read longest ago
    await names(['t_1', 't_3', 't_4', 't_2']);
    expect(calls).toEqual(['batch t_1,t_2,t_3', 'batch t_4', 'batch t_2']);
  });

  test('a failed batch keeps nothing', async () => {
    failWith = 503;
    await expect(names(['t_1'])).rejects.toMatchObject({ extensions: { code: 'DOWNSTREAM_UNAVAILABLE' } });
    failWith = undefined;
    expect(await names(['t_1'])).toEqual(['t_1 v1']);
    expect(calls).toEqual(['batch t_1', 'batch t_1']);
  });

  test('an unknown id is kept as null for 30 s at most, and never served stale', async () => {
    expect(await names(['t_gone'])).toEqual([null]);
    seconds(29);
    await names(['t_gone']);
    seconds(2);
    await names(['t_gone']);
    await cache.settled();
    expect(calls).toEqual(['batch t_gone', 'batch t_gone']);
  });

  test('an answer the catalog marks no-store, private or no-cache is not kept', async () => {
    for (const directive of ['no-store', 'private, max-age=60', 'no-cache, max-age=60']) {
      cacheControl = directive;
      await names(['t_1']);
    }
    expect(calls).toEqual(['batch t_1', 'batch t_1', 'batch t_1']);
  });
});

describe('stale while revalidate', () => {
  test('past max-age the stale title is served at once, then revalidated with its ETag: a 304 makes it fresh again', async () => {
    await names(['t_1']);
    seconds(61);
    expect(await names(['t_1'])).toEqual(['t_1 v1']);
    await cache.settled();
    await names(['t_1']);
    expect(calls).toEqual(['batch t_1', 'GET t_1 if-none-match "t_1-v1"']);
  });

  test('a title that changed comes back whole from the revalidation, and replaces the kept one', async () => {
    await names(['t_1']);
    seconds(61);
    version = 2;
    expect(await names(['t_1'])).toEqual(['t_1 v1']);
    await cache.settled();
    expect(await names(['t_1'])).toEqual(['t_1 v2']);
    expect(calls).toEqual(['batch t_1', 'GET t_1 if-none-match "t_1-v1"']);
  });

  test('one revalidation per stale title, however many reads find it stale meanwhile', async () => {
    await names(['t_1']);
    seconds(61);
    await Promise.all([names(['t_1']), names(['t_1']), names(['t_1'])]);
    await cache.settled();
    expect(calls).toEqual(['batch t_1', 'GET t_1 if-none-match "t_1-v1"']);
  });

  test('a title the catalog no longer has is forgotten: the next read asks the batch', async () => {
    await names(['t_1']);
    seconds(61);
    version = -1;
    await names(['t_1']);
    await cache.settled();
    await names(['t_1']);
    expect(calls).toEqual(['batch t_1', 'GET t_1 if-none-match "t_1-v1"', 'batch t_1']);
  });

  test('a failed revalidation keeps serving the stale copy until the stale window ends', async () => {
    await names(['t_1']);
    seconds(61);
    failWith = 503;
    expect(await names(['t_1'])).toEqual(['t_1 v1']);
    await cache.settled();
    failWith = undefined;
    seconds(600);
    await names(['t_1']);
    expect(calls).toEqual(['batch t_1', 'GET t_1 if-none-match "t_1-v1"', 'batch t_1']);
  });
});

describe('freshness follows RFC 9111 for a shared cache', () => {
  test.each([
    ['public, max-age=300, stale-while-revalidate=600', undefined, { freshMs: 300_000, staleMs: 600_000 }],
    ['public, max-age=300, s-maxage=30', undefined, { freshMs: 30_000, staleMs: 0 }],
    ['MAX-AGE=300', '100', { freshMs: 200_000, staleMs: 0 }],
    ['max-age=300', '400', { freshMs: 0, staleMs: 0 }],
    ['max-age=300, stale-while-revalidate=600, must-revalidate', undefined, { freshMs: 300_000, staleMs: 0 }],
    ['max-age="60"', undefined, { freshMs: 60_000, staleMs: 0 }],
    ['public', undefined, undefined],
    ['no-store, max-age=300', undefined, undefined],
    ['private, max-age=300', undefined, undefined],
    ['max-age=soon', undefined, undefined],
  ])('%s (Age %s)', (header, age, expected) => {
    expect(freshnessOf({ cacheControl: header, age })).toEqual(expected);
  });

  test('no Cache-Control: not kept', () => {
    expect(freshnessOf({ cacheControl: undefined, age: undefined })).toBeUndefined();
  });
});
