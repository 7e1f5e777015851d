/**
 * Web's search over gRPC: the search service (a grpc-js mock over HTTP/2) gives the ids and the
 * highlights, the catalog's batch and the shared title cache the titles, and the call passes the
 * same guard as every REST call: its deadline on the wire as `grpc-timeout`, its trace in
 * `traceparent`, its gRPC status as a catalog code, retried when the service is unhealthy and
 * within the request's time. test/resilience/faults.test.ts runs the REST fault matrix (down,
 * hanging, malformed, reset, half failing, the breaker) on search as well.
 */
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { DownstreamUrls } from '../../bffs/kit/config.ts';
import { tracingFromEnv } from '../../bffs/kit/observability/tracing.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { WEB_POLICY } from '../../bffs/web/policy.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { startGrpcRecorder } from '../support/grpc-recorder.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { fetchOver } from '../support/served.ts';
import { FAST, bffFor } from './support.ts';

const SEARCH_TITLES = '/concierge.search.v1.TitleSearch/SearchTitles';
const QUERY = 'moon';
const DOCUMENT = `{ search(query: "${QUERY}", first: 5) { totalCount edges { node { id title highlights { start length } } } pageInfo { hasNextPage endCursor } } }`;
/** How late an answer may be, beyond the deadline, on a busy two-core machine. */
const MARGIN_MS = 300;

let mocks: TestMocks;
/** The viewer's token at the web BFF (web's audience), which the BFF exchanges for one for search. */
let token: string;
/** The catalog takes only its own audience: the comparison below reads it with one for it. */
let catalogToken: string;
const opened: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1', { aud: 'web' });
  catalogToken = await mocks.serviceToken('u_1', { services: ['catalog'] });
  // Each mock fetches identity's keys on its first token: done here, not inside a test's deadline.
  const warm = web(mocks.urls, WEB_POLICY.deadlineMs);
  await search(warm);
});
afterEach(async () => {
  await mocks.clearFaults();
  await Promise.all(opened.splice(0).map((bff) => bff.close()));
});
afterAll(() => mocks.close());

/** The web BFF with the short test deadline (FAST), or the web's own. */
function web(urls: DownstreamUrls = mocks.urls, deadlineMs = FAST.deadlineMs) {
  const bff = bffFor('web', urls, { deadlineMs });
  opened.push(bff);
  return bff;
}

async function search(bff: Bff, requestId = `search-${Math.random()}`) {
  const started = performance.now();
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
    body: JSON.stringify({ query: DOCUMENT }),
  });
  const body = await response.json();
  return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - started };
}

const calls = async (service: 'search' | 'catalog') => (await mocks.counters(service)).routes;

describe('web search over gRPC', () => {
  test('ids and highlights from search, the titles from one catalog batch; every highlight marks the query in the title', async () => {
    const bff = web(mocks.urls, WEB_POLICY.deadlineMs);
    await mocks.resetCounters();
    const { status, body } = await search(bff);
    expect(status, JSON.stringify(body.errors)).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 1 });
    expect(await calls('catalog')).toEqual({ 'POST /titles/batch': 1 });

    const nodes: { id: string; title: string; highlights: { start: number; length: number }[] }[] = body.data.search.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes).toHaveLength(5);
    for (const { title, highlights } of nodes) {
      expect(highlights.length).toBeGreaterThan(0);
      for (const { start, length } of highlights) expect(title.slice(start, start + length).toLowerCase()).toBe(QUERY);
    }

    // The search service's seeded data is the catalog's: the catalog's own search finds the same titles.
    const catalog = await fetch(`${mocks.urls.catalog}/titles?query=${QUERY}&fields=name&limit=5`, { headers: { authorization: `Bearer ${catalogToken}` } });
    const page = (await catalog.json()) as { items: { id: string; name: string }[]; total: number };
    expect(nodes.map(({ id, title }) => ({ id, name: title }))).toEqual(page.items);
    expect(body.data.search.totalCount).toBe(page.total);
    expect(body.data.search.pageInfo.hasNextPage).toBe(page.total > 5);
  });

  test('the next page follows on from the cursor, and titles seen already come from the shared title cache', async () => {
    const bff = web(mocks.urls, WEB_POLICY.deadlineMs);
    const first = await search(bff);
    await mocks.resetCounters();
    const again = await search(bff);
    expect(again.body.data).toEqual(first.body.data);
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 1 });
    expect(await calls('catalog')).toEqual({}); // every title was in the BFF's title cache

    const next = await fetchOver(bff, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ search(query: "${QUERY}", first: 5, after: "${first.body.data.search.pageInfo.endCursor}") { edges { node { id } } } }` }),
    });
    const ids = ((await next.json()) as { data: { search: { edges: { node: { id: string } }[] } } }).data.search.edges.map(({ node }) => node.id);
    expect(ids).toHaveLength(5);
    expect(ids.filter((id) => first.body.data.search.edges.some((edge: { node: { id: string } }) => edge.node.id === id))).toEqual([]);
  });

  test('each attempt sends its time left as grpc-timeout, and the token, the request id and traceparent as metadata; its span is an RPC span', async () => {
    const receiver = await startOtlpReceiver();
    const recorder = await startGrpcRecorder(mocks.urls.search);
    // The exporter reads its endpoint from the process's variables, as in production (test/observability/tracing.test.ts).
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    const bff = createWebBff(testConfig({ ...mocks.urls, search: recorder.url }), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ level: 'silent' }),
      tracing: tracingFromEnv('web', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT }),
    });
    try {
      const { status, body } = await search(bff, 'grpc-traced');
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(recorder.seen).toHaveLength(1);
      const [{ path, headers }] = recorder.seen as [(typeof recorder.seen)[number]];
      expect(path).toBe(SEARCH_TITLES);
      expect(headers['content-type']).toBe('application/grpc');
      // The token is one web exchanged at identity for search alone, never the viewer's own.
      const sent = String(headers.authorization).replace(/^Bearer /, '');
      expect(sent).not.toBe(token);
      const claims = decodeJwt(sent);
      expect([claims.aud].flat()).toEqual(['urn:concierge:service:search']);
      expect(claims).toMatchObject({ sub: 'u_1', act: { sub: 'web' }, client_id: 'web', scope: 'concierge:search' });
      expect(headers['x-request-id']).toBe('grpc-traced');
      // grpc-timeout: digits and a unit (H, M, S, m, u, n); at most the web's deadline, and most of it left.
      const match = /^(\d+)([HMSmun])$/.exec(String(headers['grpc-timeout']));
      expect(match).not.toBeNull();
      const unitMs = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 }[match![2] as 'H'];
      const timeoutMs = Number(match![1]) * unitMs;
      expect(timeoutMs).toBeLessThanOrEqual(WEB_POLICY.deadlineMs);
      expect(timeoutMs).toBeGreaterThan(WEB_POLICY.deadlineMs / 2);

      // The call's span is a child of the request's, and the service saw that span in traceparent.
      const spans = await receiver.until((received) => received.some((span) => span.attributes['peer.service'] === 'search'));
      const root = spans.find((span) => span.attributes['concierge.request_id'] === 'grpc-traced')!;
      const child = spans.find((span) => span.attributes['peer.service'] === 'search')!;
      expect(child).toMatchObject({ traceId: root.traceId, parentSpanId: root.spanId, kind: 3, name: 'concierge.search.v1.TitleSearch/SearchTitles' });
      expect(child.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'concierge.search.v1.TitleSearch', 'rpc.method': 'SearchTitles', 'peer.service': 'search' });
      expect(headers.traceparent).toBe(`00-${root.traceId}-${child.spanId}-01`);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
      delete process.env.OTEL_BSP_SCHEDULE_DELAY;
      await bff.close();
      await Promise.all([recorder.close(), receiver.close()]);
    }
  });

  test('metrics count the calls by service and gRPC method', async () => {
    const bff = web(mocks.urls, WEB_POLICY.deadlineMs);
    await search(bff);
    const text = await bff.metrics!.getSingleMetricAsString('concierge_downstream_requests_total');
    const searchSeries = text.split('\n').filter((line) => line.includes('service="search"'));
    expect(searchSeries).toHaveLength(1);
    expect(searchSeries[0]).toContain(`route="${SEARCH_TITLES}"`);
    expect(searchSeries[0]).toContain('outcome="ok"');
    expect(searchSeries[0]).toMatch(/\} 1$/);
  });
});

describe('gRPC statuses, mapped into the error catalog', () => {
  test('UNAVAILABLE on every second call: retried within the deadline, the search is whole', async () => {
    const bff = web();
    await mocks.setFaults('search', { errorStatus: 503, errorRate: 0.5 });
    await search(bff); // the pattern fails the second call: this one, and its retry, pass the first
    await mocks.resetCounters();
    const result = await search(bff);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 2 });
  });

  test('a connection reset on every second call: retried on a new connection, the search is whole', async () => {
    const bff = web();
    await mocks.setFaults('search', { reset: true, resetRate: 0.5 });
    await search(bff);
    await mocks.resetCounters();
    const result = await search(bff);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 2 });
  });

  test('RESOURCE_EXHAUSTED with a pushback longer than the request: not retried, 503 with the pushback as Retry-After', async () => {
    const bff = web();
    await mocks.setFaults('search', { errorStatus: 429, retryAfterSeconds: 7 });
    await mocks.resetCounters();
    const result = await search(bff);
    expect(result.status).toBe(503);
    expect(result.headers.get('retry-after')).toBe('7');
    expect(result.body.errors[0].extensions).toMatchObject({ code: 'CRITICAL_DEPENDENCY_FAILED', service: 'search' });
    expect(result.body.errors[1].extensions).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', service: 'search', downstreamCode: 'RESOURCE_EXHAUSTED' });
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 1 });
  });

  test('DEADLINE_EXCEEDED from the service is DOWNSTREAM_TIMEOUT; the screen fails within its deadline', async () => {
    const bff = web();
    await mocks.setFaults('search', { errorStatus: 504 });
    const result = await search(bff);
    expect(result.status).toBe(503);
    expect(result.elapsedMs).toBeLessThan(FAST.deadlineMs + MARGIN_MS);
    expect(result.body.errors[1].extensions).toMatchObject({ code: 'DOWNSTREAM_TIMEOUT', service: 'search', downstreamCode: 'DEADLINE_EXCEEDED' });
  });

  test('INVALID_ARGUMENT is DOWNSTREAM_REJECTED, never retried nor counted against the service', async () => {
    const bff = web();
    await mocks.setFaults('search', { errorStatus: 400 });
    await mocks.resetCounters();
    for (let i = 0; i < 8; i++) {
      const result = await search(bff);
      expect(result.body.data).toBeNull();
      expect(result.body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['DOWNSTREAM_REJECTED']);
      expect(result.body.errors[0].extensions).toMatchObject({ service: 'search', downstreamCode: 'INVALID_ARGUMENT' });
    }
    // One call each: no retry, and the breaker stayed closed.
    expect(await calls('search')).toEqual({ [SEARCH_TITLES]: 8 });
  });
});
