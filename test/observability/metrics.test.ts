/**
 * The kit records its metrics itself, once for both transports: the same requests sent to a BFF
 * with the fast lane and to one without it (yoga alone) must give the same series with the same
 * counts. Label values stay bounded whatever a client sends, and the admin port serves them.
 */
import { pino } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { serveAdmin } from '../../bffs/kit/observability/admin-server.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';

let mocks: TestMocks;
let token: string;
let lane: Bff;
let yoga: Bff;
const HOME = documentId('mobile', 'MobileHome');

function build(fastLane: boolean): Bff {
  return createMobileBff(testConfig(mocks.urls, { fastLane, responseCache: true }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    tracing: undefined,
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
}

const post = (bff: Bff, body: object, headers: Record<string, string> = {}) =>
  fetchOver(bff, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
const get = (bff: Bff, headers: Record<string, string> = {}) =>
  fetchOver(bff, `/graphql?documentId=${HOME}`, { headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers } });

/** The same traffic for either BFF: what each answered, in order. */
async function traffic(bff: Bff): Promise<number[]> {
  const statuses: number[] = [];
  const note = async (response: Promise<Response>) => {
    const answered = await response;
    await answered.arrayBuffer();
    statuses.push(answered.status);
    return answered;
  };
  await note(post(bff, { documentId: HOME }));
  const first = await note(get(bff));
  await note(get(bff, { 'if-none-match': first.headers.get('etag')! })); // 304
  await note(get(bff)); // the response cache's hit
  await note(post(bff, { query: '{ __typename }' }));
  await note(post(bff, { documentId: 'sha256:unknown' }));
  await note(post(bff, { documentId: HOME }, { authorization: 'Bearer not-a-token' }));
  await note(post(bff, { documentId: HOME }, { 'x-client-version': 'banana' }));
  // A hostile client inventing operation names and versions: every one is `other`.
  for (let i = 0; i < 25; i++) await note(post(bff, { query: `query Invented${i} { __typename }` }, { 'x-client-version': `9.${i}.0` }));
  return statuses;
}

/** A registry's series of the kit's own metrics, durations reduced to their counts (times differ). */
async function series(bff: Bff): Promise<string[]> {
  const metrics = (await bff.metrics!.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
  const lines: string[] = [];
  for (const metric of metrics) {
    if (!/^concierge_(graphql|rejections|downstream|cache)/.test(metric.name)) continue;
    for (const value of metric.values as (MetricValue<string> & { metricName?: string })[]) {
      const name = value.metricName ?? metric.name;
      if (metric.type === ('histogram' as never) && !name.endsWith('_count')) continue;
      const labels = Object.entries(value.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
      lines.push(`${name}{${labels}} ${value.value}`);
    }
  }
  return lines.sort();
}

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  lane = build(true);
  yoga = build(false);
});
afterAll(async () => {
  await Promise.all([lane.close(), yoga.close()]);
  await mocks.close();
});

describe('metrics, recorded once for both transports', () => {
  let statuses: number[];
  let laneSeries: string[];

  beforeAll(async () => {
    statuses = await traffic(lane);
    expect(await traffic(yoga)).toEqual(statuses);
    laneSeries = await series(lane);
  });

  test('the traffic is what the series describe: 200s, a 304, a cache hit, refusals', () => {
    expect(statuses.slice(0, 8)).toEqual([200, 200, 304, 200, 200, 400, 401, 400]);
  });

  test('the fast lane and yoga give the same series with the same counts', async () => {
    expect(await series(yoga)).toEqual(laneSeries);
  });

  test('requests by version, operation, type, status class and code', () => {
    const versionOf = (line: string) => /version=([^,}]+)/.exec(line)?.[1];
    const home = laneSeries.filter((line) => line.startsWith('concierge_graphql_requests_total{') && line.includes('operation=MobileHome'));
    expect(home.map((line) => line.replace(/,version=[^,}]+/, ''))).toEqual([
      'concierge_graphql_requests_total{client=mobile,code=none,operation=MobileHome,status=2xx,type=query} 3',
      'concierge_graphql_requests_total{client=mobile,code=none,operation=MobileHome,status=3xx,type=query} 1',
    ]);
    expect(new Set(home.map(versionOf)).size).toBe(1);
    expect(laneSeries).toContain('concierge_graphql_requests_total{client=mobile,code=INVALID_TOKEN,operation=other,status=4xx,type=unknown,version=none} 1');
    expect(laneSeries.filter((line) => line.startsWith('concierge_rejections_total'))).toEqual([
      'concierge_rejections_total{client=mobile,code=BAD_REQUEST} 1',
      'concierge_rejections_total{client=mobile,code=INVALID_TOKEN} 1',
      'concierge_rejections_total{client=mobile,code=PERSISTED_DOCUMENT_NOT_FOUND} 1',
    ]);
  });

  test('a hostile client cannot grow the label values: invented operations and versions are "other"', () => {
    const requestSeries = laneSeries.filter((line) => line.startsWith('concierge_graphql_requests_total{'));
    expect(requestSeries.join('\n')).not.toContain('Invented');
    expect(requestSeries.join('\n')).not.toMatch(/version=9\./);
    expect(requestSeries).toContain('concierge_graphql_requests_total{client=mobile,code=none,operation=other,status=2xx,type=query,version=other} 25');
    expect(requestSeries.length).toBeLessThanOrEqual(8);
  });

  test('downstream calls by service, route template and outcome, never by id', () => {
    const downstream = laneSeries.filter((line) => line.startsWith('concierge_downstream_requests_total{'));
    expect(downstream.join('\n')).not.toMatch(/u_1|t_\d/);
    expect(downstream).toContain('concierge_downstream_requests_total{client=mobile,outcome=ok,route=/titles/batch,service=catalog} 1');
    expect(downstream.some((line) => line.includes('route=/users/:id,service=users'))).toBe(true);
  });

  test('cache lookups: the response cache, the title cache and the 304s', () => {
    expect(laneSeries).toContain('concierge_cache_requests_total{cache=http,client=mobile,result=not_modified} 1');
    // The POST stored the home; both GETs and the conditional one were answered from it.
    expect(laneSeries).toContain('concierge_cache_requests_total{cache=response,client=mobile,result=hit} 3');
    expect(laneSeries.some((line) => /^concierge_cache_requests_total\{cache=title,client=mobile,result=miss\} [1-9]/.test(line))).toBe(true);
  });
});

describe('the admin port', () => {
  test('serves /metrics in Prometheus text, with the process metrics and the breaker gauges, and nothing else', async () => {
    const server = await serveAdmin(lane.metrics!, 0, '127.0.0.1');
    try {
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const response = await fetch(`${origin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const lines = text.split('\n');
      const line = (name: string, ...labels: string[]) => lines.find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
      expect(line('concierge_graphql_request_duration_seconds_bucket', 'le="2.5"', 'operation="MobileHome"', 'status="2xx"', 'client="mobile"')).toMatch(/ 3$/);
      expect(line('concierge_breaker_state', 'service="catalog"', 'client="mobile"')).toMatch(/ 0$/);
      expect(line('concierge_bulkhead_capacity', 'service="catalog"')).toMatch(/ 64$/);
      expect(line('concierge_nodejs_eventloop_lag_p99_seconds', 'client="mobile"')).toBeDefined();
      expect(line('concierge_nodejs_gc_duration_seconds_count', 'kind=')).toBeDefined();
      expect((await fetch(`${origin}/graphql`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the public port does not serve them', async () => {
    expect((await fetchOver(lane, '/metrics')).status).toBe(404);
  });
});
