import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode } from '../support/http.ts';

let mocks: TestMocks;
let token: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.serviceToken('u_1');
});
afterAll(() => mocks?.close());

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `t_${from + i}`);
const batch = (body: unknown) => call(`${mocks.urls.catalog}/titles/batch`, { method: 'POST', token, body });

describe('POST /titles/batch', () => {
  it('returns titles in the order asked, with null for ids that name no title', async () => {
    const asked = ['t_42', 't_10001', 't_7', 'nope', 't_10000', 't_1'];
    const res = await batch({ ids: asked });
    expect(res.status).toBe(200);
    expect(res.body.titles.map((t: { id: string } | null) => t?.id ?? null)).toEqual(['t_42', null, 't_7', null, 't_10000', 't_1']);
  });

  it('answers each duplicate id in place with the same title', async () => {
    const res = await batch({ ids: ['t_3', 't_9', 't_3', 't_3'] });
    expect(res.status).toBe(200);
    const [a, b, c, d] = res.body.titles;
    expect([a.id, b.id, c.id, d.id]).toEqual(['t_3', 't_9', 't_3', 't_3']);
    expect(c).toEqual(a);
    expect(d).toEqual(a);
  });

  it('serves the same title as GET /titles/{id}', async () => {
    const [single, many] = await Promise.all([call(`${mocks.urls.catalog}/titles/t_5`, { token }), batch({ ids: ['t_5'] })]);
    expect(many.body.titles[0]).toEqual(single.body);
  });

  it('refuses 0 ids with 400 BATCH_SIZE_INVALID', async () => {
    const res = await batch({ ids: [] });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BATCH_SIZE_INVALID');
  });

  it('refuses 101 ids with 400 BATCH_SIZE_INVALID', async () => {
    const res = await batch({ ids: ids(1, 101) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('BATCH_SIZE_INVALID');
  });

  it('accepts exactly 100 ids and answers 100 titles', async () => {
    const asked = ids(201, 100);
    const res = await batch({ ids: asked });
    expect(res.status).toBe(200);
    expect(res.body.titles.map((t: { id: string }) => t.id)).toEqual(asked);
  });

  it('returns only id and the named fields when `fields` is given, keeping null for unknown ids', async () => {
    const res = await batch({ ids: ['t_1', 't_0', 't_2'], fields: ['name', 'genres'] });
    expect(res.status).toBe(200);
    const [first, missing, second] = res.body.titles;
    expect(Object.keys(first).sort()).toEqual(['genres', 'id', 'name']);
    expect(Object.keys(second).sort()).toEqual(['genres', 'id', 'name']);
    expect(missing).toBeNull();
    expect(first.id).toBe('t_1');
  });

  it('refuses an unknown field name with 400 UNKNOWN_FIELDS', async () => {
    const res = await batch({ ids: ['t_1'], fields: ['name', 'colour'] });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('UNKNOWN_FIELDS');
    expect(res.body.error.message).toContain('colour');
  });

  it('refuses ids that are not strings with 400 VALIDATION_FAILED', async () => {
    for (const body of [{ ids: [1, 2] }, { ids: 't_1' }, {}]) {
      const res = await batch(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });
});

describe('sparse fields on single reads', () => {
  it('GET /users/{id}?fields=profile returns only id and profile', async () => {
    const res = await call(`${mocks.urls.users}/users/u_1?fields=profile`, { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'profile']);
    expect(res.body.profile).toMatchObject({ name: expect.any(String), country: expect.any(String) });
  });

  it('GET /titles/{id}?fields=name,synopsis returns only those and id', async () => {
    const res = await call(`${mocks.urls.catalog}/titles/t_8?fields=name,synopsis`, { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'name', 'synopsis']);
  });

  it('GET /users/{id} with an unknown field answers 400 UNKNOWN_FIELDS', async () => {
    const res = await call(`${mocks.urls.users}/users/u_1?fields=profile,shoeSize`, { token });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('UNKNOWN_FIELDS');
  });
});

describe('POST /reviews/summaries', () => {
  const summaries = (body: unknown) => call(`${mocks.urls.reviews}/reviews/summaries`, { method: 'POST', token, body });

  it('answers in the order asked with null for unknown titles, counts matching GET /reviews', async () => {
    const res = await summaries({ titleIds: ['t_12', 'ghost', 't_3', 't_99999'] });
    expect(res.status).toBe(200);
    const [a, unknown, b, missing] = res.body.summaries;
    expect(a.titleId).toBe('t_12');
    expect(b.titleId).toBe('t_3');
    expect(unknown).toBeNull();
    expect(missing).toBeNull();
    const listed = await call(`${mocks.urls.reviews}/reviews?titleId=t_12&limit=1`, { token });
    expect(a.count).toBe(listed.body.total);
  });

  it('gives an average rating from 1 to 5, or null when a title has no reviews', async () => {
    const res = await summaries({ titleIds: ids(1, 100) });
    expect(res.status).toBe(200);
    for (const s of res.body.summaries) {
      if (s.count === 0) expect(s.averageRating).toBeNull();
      else {
        expect(s.averageRating).toBeGreaterThanOrEqual(1);
        expect(s.averageRating).toBeLessThanOrEqual(5);
      }
    }
  });

  it('refuses 0 and 101 title ids with 400 BATCH_SIZE_INVALID', async () => {
    for (const titleIds of [[], ids(1, 101)]) {
      const res = await summaries({ titleIds });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('BATCH_SIZE_INVALID');
    }
  });
});

describe('POST /playback/licenses', () => {
  const licenses = (body: unknown) => call(`${mocks.urls.playback}/playback/licenses`, { method: 'POST', token, body });

  it('answers a license per title in the order asked, null for unknown titles', async () => {
    const res = await licenses({ contentIds: ['t_20', 't_0', 't_2'], drmSystem: 'widevine' });
    expect(res.status).toBe(200);
    const [a, missing, b] = res.body.licenses;
    expect(missing).toBeNull();
    expect(a).toMatchObject({ contentId: 't_20', drmSystem: 'widevine' });
    expect(b).toMatchObject({ contentId: 't_2', drmSystem: 'widevine' });
    expect(a.licenseUrl).toMatch(/^https:\/\/.+\/widevine\/.+t_20/);
    // MOCKS_NOW is 2026-11-21T12:00Z in tests; licenses live six hours.
    expect(a.expiresAt).toBe('2026-11-21T18:00:00.000Z');
  });

  it.each(['playready', 'fairplay'])('accepts drmSystem %s', async (drmSystem) => {
    const res = await licenses({ contentIds: ['t_1'], drmSystem });
    expect(res.status).toBe(200);
    expect(res.body.licenses[0].drmSystem).toBe(drmSystem);
  });

  it('refuses a missing or unknown drmSystem with 400 VALIDATION_FAILED', async () => {
    for (const body of [{ contentIds: ['t_1'] }, { contentIds: ['t_1'], drmSystem: 'clearkey' }, { contentIds: ['t_1'], drmSystem: 1 }]) {
      const res = await licenses(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses 0 and 101 content ids with 400 BATCH_SIZE_INVALID', async () => {
    for (const contentIds of [[], ids(1, 101)]) {
      const res = await licenses({ contentIds, drmSystem: 'fairplay' });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('BATCH_SIZE_INVALID');
    }
  });
});
