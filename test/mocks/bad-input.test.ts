import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode, seenStatuses } from '../support/http.ts';
import { REST_SERVICE_NAMES as SERVICE_NAMES } from '../../downstream-mocks/src/registry.ts';

let mocks: TestMocks;
let token: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.serviceToken('u_1');
});
afterAll(() => mocks?.close());

const post = (url: string, body: unknown, headers: Record<string, string> = {}) => call(url, { method: 'POST', token, body, headers });
const batchUrl = () => `${mocks.urls.catalog}/titles/batch`;

describe('request bodies', () => {
  it('answers 400 INVALID_JSON to a body that is not valid JSON', async () => {
    for (const body of ['{"ids": [', '{ids: ["t_1"]}', "{'ids': []}"]) {
      const res = await post(batchUrl(), body);
      expect(res.status, body).toBe(400);
      expect(errorCode(res)).toBe('INVALID_JSON');
    }
  });

  it('answers 400 VALIDATION_FAILED to JSON of the wrong shape or types', async () => {
    const cases: [string, unknown][] = [
      [batchUrl(), { ids: 't_1' }],
      [batchUrl(), { ids: [1, 2, 3] }],
      [batchUrl(), { ids: ['t_1'], fields: 5 }],
      [batchUrl(), []],
      [batchUrl(), 'null'],
      [batchUrl(), '"t_1"'],
      [`${mocks.urls.reviews}/reviews/summaries`, { titleIds: [null] }],
      [`${mocks.urls.playback}/playback/licenses`, { contentIds: ['t_1'], drmSystem: ['widevine'] }],
      [`${mocks.urls.identity}/dev/token`, { sub: { id: 'u_1' } }],
    ];
    for (const [url, body] of cases) {
      const res = await post(url, body);
      expect(res.status, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 400 VALIDATION_FAILED when a POST that needs a body has none', async () => {
    const res = await call(batchUrl(), { method: 'POST', token });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_FAILED');
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over 1 MiB', async () => {
    const ids = Array.from({ length: 120_000 }, (_, i) => `t_${i}`);
    const body = JSON.stringify({ ids });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    const res = await post(batchUrl(), body);
    expect(res.status).toBe(413);
    expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a streamed body over 1 MiB without a content-length, and the connection stays usable', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024)}",`);
    const { statusCode, body } = await request(batchUrl(), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: Readable.from(
        (function* () {
          yield new TextEncoder().encode('{"ids":[');
          for (let i = 0; i < 20; i++) yield chunk;
          yield new TextEncoder().encode('"t_1"]}');
        })(),
      ),
    });
    const json = (await body.json()) as { error: { code: string } };
    expect(statusCode).toBe(413);
    expect(json.error.code).toBe('PAYLOAD_TOO_LARGE');

    // The next requests may reuse that keep-alive connection; they must be answered, not hang.
    for (let i = 0; i < 3; i++) {
      const next = await request(`${mocks.urls.catalog}/titles/t_1`, { headers: { authorization: `Bearer ${token}` }, headersTimeout: 2000 });
      await next.body.dump();
      expect(next.statusCode).toBe(200);
    }
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to a body that is not application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await post(batchUrl(), '{"ids":["t_1"]}', { 'content-type': type });
      expect(res.status, type).toBe(415);
      expect(errorCode(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });
});

describe('routes and methods', () => {
  it('answers 404 ROUTE_NOT_FOUND to a path no route matches', async () => {
    for (const url of [
      `${mocks.urls.users}/users`,
      `${mocks.urls.users}/users/u_1/extra`,
      `${mocks.urls.catalog}/movies/t_1`,
      `${mocks.urls.users}/__admin/nothing`,
    ]) {
      const res = await call(url, { token });
      expect(res.status, url).toBe(404);
      expect(errorCode(res)).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('answers 405 METHOD_NOT_ALLOWED to a known path with the wrong method', async () => {
    for (const [method, url] of [
      ['DELETE', `${mocks.urls.users}/users/u_1`],
      ['PATCH', `${mocks.urls.users}/users/u_1`],
      ['POST', `${mocks.urls['my-list']}/my-list/u_1`],
      ['PUT', `${mocks.urls.catalog}/titles/batch`],
    ] as const) {
      const res = await call(url, { method, token });
      expect(res.status, `${method} ${url}`).toBe(405);
      expect(errorCode(res)).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('answers 400, not 500, to a path parameter that is not valid percent-encoding', async () => {
    const res = await call(`${mocks.urls.users}/users/%E0%A4%A`, { token });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_FAILED');
  });
});

describe('query parameters', () => {
  it.each([
    ['catalog', '/titles?limit=0'],
    ['catalog', '/titles?limit=101'],
    ['catalog', '/titles?limit=ten'],
    ['catalog', '/titles?limit=1.5'],
    ['catalog', '/titles?limit='],
    ['reviews', '/reviews?titleId=t_1&limit=-3'],
    ['reviews', '/reviews'],
    ['recommendations', '/recommendations/u_1?limit=501'],
    ['recommendations', '/trending?region=usa'],
    ['users', '/users/u_1?fields='],
  ] as const)('%s %s answers 400 VALIDATION_FAILED', async (service, path) => {
    const res = await call(`${mocks.urls[service]}${path}`, { token });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['catalog', '/titles?cursor=garbage'],
    ['catalog', `/titles?cursor=${Buffer.from('o:-1').toString('base64url')}`],
    ['reviews', '/reviews?titleId=t_1&cursor=%25%25%25'],
  ] as const)('%s %s answers 400 INVALID_CURSOR', async (service, path) => {
    const res = await call(`${mocks.urls[service]}${path}`, { token });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('INVALID_CURSOR');
  });
});

describe('after all of that', () => {
  it('never answered with a 5xx', () => {
    expect(seenStatuses.length).toBeGreaterThan(30);
    expect(seenStatuses.filter((status) => status >= 500)).toEqual([]);
  });

  it('every service still answers a normal request', async () => {
    const paths: Record<(typeof SERVICE_NAMES)[number], [string, unknown?]> = {
      identity: ['/.well-known/jwks.json'],
      users: ['/users/u_1'],
      catalog: ['/titles/batch', { ids: ['t_1'] }],
      recommendations: ['/recommendations/u_1'],
      'continue-watching': ['/continue-watching/u_1'],
      'my-list': ['/my-list/u_1'],
      billing: ['/billing/u_1'],
      reviews: ['/reviews?titleId=t_1'],
      playback: ['/playback/licenses', { contentIds: ['t_1'], drmSystem: 'widevine' }],
      notifications: ['/notifications/u_1/unread-count'],
    };
    for (const service of SERVICE_NAMES) {
      const [path, body] = paths[service];
      const res = await call(`${mocks.urls[service]}${path}`, { token, ...(body ? { method: 'POST', body } : {}) });
      expect(res.status, service).toBe(200);
    }
  });
});
