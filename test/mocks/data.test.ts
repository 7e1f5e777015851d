import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode, type CallOptions } from '../support/http.ts';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';

let first: TestMocks;
let second: TestMocks;
let otherSeed: TestMocks;
/** A token that may read any user's data, per instance. */
const serviceTokens = new Map<TestMocks, string>();

beforeAll(async () => {
  [first, second, otherSeed] = await Promise.all([startTestMocks(), startTestMocks(), startTestMocks({ MOCKS_SEED: '7' })]);
  for (const mocks of [first, second, otherSeed]) {
    serviceTokens.set(mocks, await mocks.serviceToken('data-test', { scope: 'concierge:service' }));
  }
});
afterAll(() => Promise.all([first, second, otherSeed].map((m) => m?.close())));

const get = (mocks: TestMocks, service: ServiceName, path: string, options: CallOptions = {}) =>
  call(`${mocks.urls[service]}${path}`, { token: serviceTokens.get(mocks)!, ...options });

/** Read-only routes across the services; each is fetched from every instance and compared as bytes. */
const SAMPLE: [ServiceName, string, CallOptions?][] = [
  ['users', '/users/u_1'],
  ['users', '/users/u_777'],
  ['catalog', '/titles/t_1'],
  ['catalog', '/titles/t_9876'],
  ['catalog', '/titles/batch', { method: 'POST', body: { ids: ['t_5', 't_50', 't_500', 't_5000', 't_0'] } }],
  ['recommendations', '/recommendations/u_3'],
  ['recommendations', '/trending?region=GB'],
  ['continue-watching', '/continue-watching/u_2'],
  ['my-list', '/my-list/u_9'],
  ['billing', '/billing/u_4'],
  ['reviews', '/reviews?titleId=t_6&limit=50'],
  ['reviews', '/reviews/summaries', { method: 'POST', body: { titleIds: ['t_1', 't_2', 't_3'] } }],
  ['playback', '/playback/licenses', { method: 'POST', body: { contentIds: ['t_1'], drmSystem: 'widevine' } }],
  ['notifications', '/notifications/u_5/unread-count'],
];

describe('determinism', () => {
  it.each(SAMPLE)('two instances with the same seed serve byte-identical bodies for %s %s', async (service, path, options) => {
    const [a, b] = await Promise.all([get(first, service, path, options), get(second, service, path, options)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);
  });

  it('a different MOCKS_SEED gives different users, titles, recommendations and billing', async () => {
    const differing = [
      ['users', '/users/u_1'],
      ['catalog', '/titles/t_1'],
      ['recommendations', '/recommendations/u_3'],
      ['billing', '/billing/u_4'],
      ['reviews', '/reviews?titleId=t_6'],
    ] as const;
    for (const [service, path] of differing) {
      const [a, c] = await Promise.all([get(first, service, path), get(otherSeed, service, path)]);
      expect(c.status).toBe(200);
      expect(c.text, `${service} ${path}`).not.toBe(a.text);
    }
  });
});

describe('titles', () => {
  const sampleIds = ['t_1', 't_2', 't_3', 't_17', 't_123', 't_999', 't_2500', 't_5001', 't_7777', 't_10000'];

  it('each has at least 40 top-level fields and weighs 3 to 8 KB of JSON', async () => {
    const res = await get(first, 'catalog', '/titles/batch', { method: 'POST', body: { ids: sampleIds } });
    for (const title of res.body.titles) {
      expect(Object.keys(title).length, title.id).toBeGreaterThanOrEqual(40);
      const bytes = Buffer.byteLength(JSON.stringify(title));
      expect(bytes, title.id).toBeGreaterThanOrEqual(3 * 1024);
      expect(bytes, title.id).toBeLessThanOrEqual(8 * 1024);
    }
  });

  it('has a cast of about 50 people, a synopsis of 500+ characters and a 1920x1080 hero image', async () => {
    const res = await get(first, 'catalog', '/titles/batch', { method: 'POST', body: { ids: sampleIds } });
    for (const title of res.body.titles) {
      expect(title.cast.length, title.id).toBeGreaterThanOrEqual(40);
      expect(title.cast.length, title.id).toBeLessThanOrEqual(60);
      expect(title.synopsis.length, title.id).toBeGreaterThanOrEqual(500);
      expect(title.images.hero).toContainEqual(expect.objectContaining({ width: 1920, height: 1080 }));
      expect(['movie', 'series']).toContain(title.type);
    }
  });

  it('exist from t_1 to t_10000; t_10001, t_0 and t_01 are 404 NOT_FOUND', async () => {
    expect((await get(first, 'catalog', '/titles/t_1')).status).toBe(200);
    expect((await get(first, 'catalog', '/titles/t_10000')).status).toBe(200);
    for (const id of ['t_10001', 't_0', 't_01']) {
      const res = await get(first, 'catalog', `/titles/${id}`);
      expect(res.status, id).toBe(404);
      expect(errorCode(res)).toBe('NOT_FOUND');
    }
  });
});

describe('users', () => {
  it('exist from u_1 to u_1000; u_1001 and u_0 are 404 NOT_FOUND', async () => {
    expect((await get(first, 'users', '/users/u_1')).body.id).toBe('u_1');
    expect((await get(first, 'users', '/users/u_1000')).body.id).toBe('u_1000');
    for (const id of ['u_1001', 'u_0']) {
      const res = await get(first, 'users', `/users/${id}`);
      expect(res.status, id).toBe(404);
      expect(errorCode(res)).toBe('NOT_FOUND');
    }
  });

  it('carry profile, subscription, entitlements and devices', async () => {
    const { body } = await get(first, 'users', '/users/u_10');
    expect(body.profile).toMatchObject({ name: expect.any(String), avatarUrl: expect.any(String), language: expect.any(String), country: expect.any(String) });
    expect(body.subscription).toMatchObject({ tier: expect.stringMatching(/^(basic|standard|premium)$/) });
    expect(body.entitlements).toMatchObject({ downloads: expect.any(Boolean), uhd: expect.any(Boolean), maxStreams: expect.any(Number) });
    expect(Array.isArray(body.devices)).toBe(true);
  });
});

describe('recommendations and trending', () => {
  it('recommends 500 distinct existing titles ranked 1 to 500', async () => {
    const { body } = await get(first, 'recommendations', '/recommendations/u_3');
    expect(body.items).toHaveLength(500);
    const ids = body.items.map((item: { contentId: string }) => item.contentId);
    expect(new Set(ids).size).toBe(500);
    expect(body.items.map((item: { rank: number }) => item.rank)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    for (const id of ids) expect(id).toMatch(/^t_([1-9]\d{0,3}|10000)$/);
  });

  it('lists at most 100 trending titles', async () => {
    const { body } = await get(first, 'recommendations', '/trending?region=US');
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(100);
  });
});

describe('continue watching', () => {
  it('is empty for some users, such as u_7', async () => {
    const { status, body } = await get(first, 'continue-watching', '/continue-watching/u_7');
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
  });

  it('has series items with season and episode, and movie items without them', async () => {
    const items = [];
    for (let n = 1; n <= 6; n++) items.push(...(await get(first, 'continue-watching', `/continue-watching/u_${n}`)).body.items);
    const episodes = items.filter((item) => item.season !== undefined);
    const movies = items.filter((item) => item.season === undefined);
    expect(episodes.length).toBeGreaterThan(0);
    expect(movies.length).toBeGreaterThan(0);
    for (const item of episodes) expect(item).toMatchObject({ season: expect.any(Number), episode: expect.any(Number) });
    for (const item of items) {
      expect(item.progressSeconds).toBeLessThan(item.totalSeconds);
      expect(item.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
  });
});

describe('reviews', () => {
  it('number 0 to 200 per title, some titles having none', async () => {
    const titleIds = Array.from({ length: 100 }, (_, i) => `t_${i + 1}`);
    const { body } = await get(first, 'reviews', '/reviews/summaries', { method: 'POST', body: { titleIds } });
    const counts: number[] = body.summaries.map((s: { count: number }) => s.count);
    for (const count of counts) {
      expect(count).toBeGreaterThanOrEqual(0);
      expect(count).toBeLessThanOrEqual(200);
    }
    expect(counts).toContain(0);
    expect(Math.max(...counts)).toBeGreaterThan(100);
  });

  it('are paged by cursor so that every review of a title is seen exactly once', async () => {
    const titleIds = Array.from({ length: 100 }, (_, i) => `t_${i + 1}`);
    const { body } = await get(first, 'reviews', '/reviews/summaries', { method: 'POST', body: { titleIds } });
    const busiest = body.summaries.reduce((a: { count: number }, b: { count: number }) => (b.count > a.count ? b : a));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/reviews?titleId=${busiest.titleId}&limit=17${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await get(first, 'reviews', query);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(busiest.count);
      expect(page.body.items.length).toBeLessThanOrEqual(17);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);

    expect(seen).toHaveLength(busiest.count);
    expect(new Set(seen).size).toBe(busiest.count);
    expect(pages).toBe(Math.ceil(busiest.count / 17));
  });

  it('answer an empty page with no next cursor for a title without reviews', async () => {
    const titleIds = Array.from({ length: 100 }, (_, i) => `t_${i + 1}`);
    const { body } = await get(first, 'reviews', '/reviews/summaries', { method: 'POST', body: { titleIds } });
    const quiet = body.summaries.find((s: { count: number }) => s.count === 0);
    const page = await get(first, 'reviews', `/reviews?titleId=${quiet.titleId}`);
    expect(page.body).toMatchObject({ total: 0, items: [], nextCursor: null });
  });
});
