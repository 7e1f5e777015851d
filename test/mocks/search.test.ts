/**
 * The search mock (gRPC over HTTP/2, downstream-mocks/proto/search.proto), called as any gRPC
 * client would, with @grpc/grpc-js and the committed .proto: its seeded answers, its refusals as
 * gRPC statuses, and the REST mocks' admin controls on the same port.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';

const SEARCH_TITLES = '/concierge.search.v1.TitleSearch/SearchTitles';

interface Page {
  hits: { titleId: string; highlights: { field: string; spans: { start: number; length: number }[] }[] }[];
  total: number;
  nextCursor: string;
}

let mocks: TestMocks;
/** A token for the search service's audience (urn:concierge:service:search), the only one it takes. */
let token: string;
/** The catalog takes only its own audience: the comparisons below read it with one for it. */
let catalogToken: string;
let client: grpc.Client & { SearchTitles: Function };

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.serviceToken('u_1', { services: ['search'] });
  catalogToken = await mocks.serviceToken('u_1', { services: ['catalog'] });
  const definition = protoLoader.loadSync('downstream-mocks/proto/search.proto', { longs: Number, enums: String, defaults: true, oneofs: true });
  const TitleSearch = grpc.makeClientConstructor(definition['concierge.search.v1.TitleSearch'] as grpc.ServiceDefinition, 'TitleSearch');
  client = new TitleSearch(new URL(mocks.urls.search).host, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 }) as never;
});
afterEach(() => mocks.clearFaults());
afterAll(async () => {
  client.close();
  await mocks.close();
});

function searchTitles(request: object, bearer: string | null = token): Promise<{ page?: Page; error?: grpc.ServiceError }> {
  const metadata = new grpc.Metadata();
  if (bearer) metadata.set('authorization', `Bearer ${bearer}`);
  return new Promise((resolve) =>
    client.SearchTitles(request, metadata, { deadline: Date.now() + 5_000 }, (error: grpc.ServiceError | null, page: Page) => resolve(error ? { error } : { page })),
  );
}

const catalogSearch = async (query: string, limit: number) => {
  const response = await fetch(`${mocks.urls.catalog}/titles?query=${encodeURIComponent(query)}&fields=name&limit=${limit}`, { headers: { authorization: `Bearer ${catalogToken}` } });
  return (await response.json()) as { items: { id: string; name: string }[]; total: number };
};

describe('the search service', () => {
  test("finds the catalog's titles by name, case-insensitive, in id order, with where each matched", async () => {
    const { page } = await searchTitles({ query: 'MOON', limit: 10 });
    const catalog = await catalogSearch('moon', 10);
    expect(page!.hits.map((hit) => hit.titleId)).toEqual(catalog.items.map((item) => item.id));
    expect(page!.total).toBe(catalog.total);
    page!.hits.forEach((hit, i) => {
      const name = catalog.items[i]!.name;
      expect(hit.highlights).toHaveLength(1);
      expect(hit.highlights[0]!.field).toBe('name');
      expect(hit.highlights[0]!.spans.map(({ start, length }) => name.slice(start, start + length).toLowerCase())).toEqual(name.toLowerCase().split('moon').slice(1).map(() => 'moon'));
    });
  });

  test('pages follow their cursor to the last, which has no next cursor, and together hold every match once', async () => {
    const { total } = await catalogSearch('river', 1);
    const ids: string[] = [];
    let cursor = '';
    do {
      const { page } = await searchTitles({ query: 'river', limit: 100, cursor });
      ids.push(...page!.hits.map((hit) => hit.titleId));
      cursor = page!.nextCursor;
    } while (cursor !== '');
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });

  test('a missing or bad token is UNAUTHENTICATED; bad input is INVALID_ARGUMENT, saying what is wrong', async () => {
    expect((await searchTitles({ query: 'moon' }, null)).error).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect((await searchTitles({ query: 'moon' }, 'not-a-token')).error).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    // Only a token for search itself: a client's (a BFF's audience) or another service's is refused.
    expect((await searchTitles({ query: 'moon' }, await mocks.token('u_1', { aud: 'web' }))).error).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('INVALID_TOKEN') });
    expect((await searchTitles({ query: 'moon' }, catalogToken)).error).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('INVALID_TOKEN') });
    expect((await searchTitles({ query: '   ' })).error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('query must be 1 to 100 characters') });
    expect((await searchTitles({ query: 'moon', limit: 101 })).error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('limit') });
    expect((await searchTitles({ query: 'moon', cursor: 'garbage' })).error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('INVALID_CURSOR') });
  });
});

describe('its admin controls, over HTTP/1.1 on the same port', () => {
  test('counters count each call by its gRPC path, refused ones included; reset empties them', async () => {
    await mocks.resetCounters();
    await searchTitles({ query: 'moon' });
    await searchTitles({ query: 'moon' }, null);
    expect(await mocks.counters('search')).toEqual({ total: 2, routes: { [SEARCH_TITLES]: 2 } });
    await mocks.resetCounters();
    expect(await mocks.counters('search')).toEqual({ total: 0, routes: {} });
  });

  test('faults are set, read and cleared as on the REST mocks, and an invalid setting is refused', async () => {
    const faults = `${mocks.urls.search}/__admin/faults`;
    const refused = await fetch(faults, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"errorStatus":200}' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'errorStatus must be a number from 400 to 599' } });
    await mocks.setFaults('search', { errorStatus: 503, retryAfterSeconds: 2 });
    expect(await (await fetch(faults)).json()).toEqual({ errorStatus: 503, retryAfterSeconds: 2 });
    expect((await fetch(faults, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(faults)).json()).toEqual({});
    expect((await fetch(`${mocks.urls.search}/nothing`)).status).toBe(404);
  });

  test('each fault as gRPC: an error status as its gRPC code with the pushback, a reset, a malformed message, a hang', async () => {
    await mocks.setFaults('search', { errorStatus: 429, retryAfterSeconds: 2 });
    const exhausted = (await searchTitles({ query: 'moon' })).error!;
    expect(exhausted.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(exhausted.metadata.get('grpc-retry-pushback-ms')).toEqual(['2000']);
    await mocks.setFaults('search', { errorStatus: 503 });
    expect((await searchTitles({ query: 'moon' })).error).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringContaining('INJECTED_FAULT') });
    await mocks.setFaults('search', { reset: true });
    expect((await searchTitles({ query: 'moon' })).error).toMatchObject({ code: grpc.status.UNAVAILABLE });
    await mocks.setFaults('search', { malformedJson: true });
    expect((await searchTitles({ query: 'moon' })).error).toMatchObject({ code: grpc.status.INTERNAL, details: expect.stringContaining('parsing') });
    await mocks.setFaults('search', { hang: true });
    const started = Date.now();
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const hung = await new Promise<grpc.ServiceError>((resolve) => client.SearchTitles({ query: 'moon' }, metadata, { deadline: Date.now() + 300 }, resolve));
    expect(hung.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await mocks.clearFaults();
    expect((await searchTitles({ query: 'moon' })).page!.hits.length).toBeGreaterThan(0);
  });
});
