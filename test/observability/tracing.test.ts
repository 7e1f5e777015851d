/**
 * Traces, configured only by the standard OTEL_* variables, exported to a real OTLP/HTTP
 * receiver: one MobileHome is one server span with a child span per downstream call, and every
 * service saw the same trace in its `traceparent`, on the fast lane and on yoga's path alike.
 *
 * How many calls a home makes is the home's business (a row added in the working copy adds one),
 * so the spans are held to the calls the services really saw, not to a count.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DownstreamName, DownstreamUrls } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { tracingFromEnv } from '../../bffs/kit/observability/tracing.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { releasedDocument } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startRecorder } from '../support/recorder.ts';
import { fetchOver } from '../support/served.ts';

const CALLED: DownstreamName[] = ['users', 'catalog', 'recommendations', 'continue-watching', 'my-list', 'notifications'];
const APP_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const APP_SPAN = '00f067aa0ba902b7';

let mocks: TestMocks;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let recorders: Awaited<ReturnType<typeof startRecorder>>[];
let token: string;
const bffs: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
  receiver = await startOtlpReceiver();
  token = await mocks.token('u_1');
  recorders = await Promise.all(CALLED.map((service) => startRecorder(mocks.urls[service])));
});
afterAll(async () => {
  await Promise.all(bffs.map((bff) => bff.close()));
  await Promise.all([...recorders.map((recorder) => recorder.close()), receiver.close(), mocks.close()]);
});

/** A BFF whose every called service is behind a recorder, tracing as the variables say. */
function tracedBff(fastLane: boolean, env: NodeJS.ProcessEnv): Bff {
  const urls = { ...mocks.urls } as DownstreamUrls;
  CALLED.forEach((service, i) => (urls[service] = recorders[i]!.url));
  // The exporter reads its endpoint from the process's variables, as in production.
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.url}/v1/traces`;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
  const bff = createMobileBff(testConfig(urls, { fastLane, titleCacheMb: 0 }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    tracing: tracingFromEnv('mobile', { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT }),
  });
  bffs.push(bff);
  return bff;
}

async function home(bff: Bff, requestId: string, headers: Record<string, string> = {}) {
  for (const recorder of recorders) recorder.seen.length = 0;
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, 'x-request-id': requestId, ...headers },
    // The home app 1.0.0 sends (served as that release: six services, one call each).
    body: JSON.stringify({ documentId: releasedDocument('mobile', '1.0.0', 'MobileHome').id }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return recorders.flatMap((recorder, i) => recorder.seen.map((request) => ({ ...request, service: CALLED[i]! })));
}

const traceOf = (spans: ReceivedSpan[], requestId: string) => {
  const root = spans.find((span) => span.attributes['concierge.request_id'] === requestId);
  return root && { root, children: spans.filter((span) => span.parentSpanId === root.spanId) };
};

describe.each([
  ['the fast lane', true],
  ["yoga's path", false],
])('one MobileHome on %s', (_, fastLane) => {
  test('is one server span with a downstream span per call under it, and the services saw its trace id', async () => {
    const bff = tracedBff(fastLane, { OTEL_TRACES_EXPORTER: 'otlp' });
    const requestId = `trace-${fastLane}`;
    const seen = await home(bff, requestId);
    // Every service of the home is called, one or more times.
    expect(new Set(seen.map(({ service }) => service))).toEqual(new Set(CALLED));
    const spans = await receiver.until((received) => (traceOf(received, requestId)?.children.length ?? 0) >= seen.length);
    const { root, children } = traceOf(spans, requestId)!;

    expect(root).toMatchObject({ name: 'query MobileHome', kind: 2, service: 'concierge-bff-mobile', parentSpanId: undefined });
    expect(root.attributes).toMatchObject({ 'graphql.operation.name': 'MobileHome', 'graphql.operation.type': 'query', 'http.response.status_code': 200 });
    expect(children).toHaveLength(seen.length);
    expect(children.every((span) => span.traceId === root.traceId && span.kind === 3)).toBe(true);
    expect(children.map((span) => span.attributes['peer.service']).sort()).toEqual(seen.map(({ service }) => service).sort());
    expect(children.map((span) => span.name)).toContain('POST /titles/batch');

    // Each service saw the trace, each with the id of its own call's span.
    const parents = seen.map(({ headers }) => /^00-([\da-f]{32})-([\da-f]{16})-01$/.exec(String(headers.traceparent)));
    expect(parents.every((match) => match?.[1] === root.traceId)).toBe(true);
    expect(new Set(parents.map((match) => match![2]))).toEqual(new Set(children.map((span) => span.spanId)));
  });
});

describe('an app that sends traceparent', () => {
  test("continues the app's trace: the server span is a child of the app's span", async () => {
    const bff = tracedBff(true, { OTEL_TRACES_EXPORTER: 'otlp' });
    await home(bff, 'app-trace', { traceparent: `00-${APP_TRACE}-${APP_SPAN}-01` });
    const { root } = traceOf(await receiver.until((spans) => traceOf(spans, 'app-trace') !== undefined), 'app-trace')!;
    expect(root.traceId).toBe(APP_TRACE);
    expect(root.parentSpanId).toBe(APP_SPAN);
  });

  test('an app that did not sample its trace is not sampled here (parent-based), and the services are told so', async () => {
    const bff = tracedBff(true, { OTEL_TRACES_EXPORTER: 'otlp' });
    const seen = await home(bff, 'unsampled', { traceparent: `00-${APP_TRACE.replace(/^4/, '5')}-${APP_SPAN}-00` });
    expect(seen.every(({ headers }) => String(headers.traceparent).endsWith('-00'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.spans.some((span) => span.attributes['concierge.request_id'] === 'unsampled')).toBe(false);
  });
});

describe('sampling and switching off, by the OTEL_* variables alone', () => {
  test('OTEL_TRACES_SAMPLER=traceidratio with OTEL_TRACES_SAMPLER_ARG=0 exports nothing', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'traceidratio';
    process.env.OTEL_TRACES_SAMPLER_ARG = '0';
    try {
      const bff = tracedBff(true, { OTEL_TRACES_EXPORTER: 'otlp' });
      await home(bff, 'ratio-zero');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.spans.some((span) => span.attributes['concierge.request_id'] === 'ratio-zero')).toBe(false);
    } finally {
      delete process.env.OTEL_TRACES_SAMPLER;
      delete process.env.OTEL_TRACES_SAMPLER_ARG;
    }
  });

  test('without an exporter there is no tracing at all, and no traceparent is invented', async () => {
    expect(tracingFromEnv('mobile', {})).toBeUndefined();
    expect(tracingFromEnv('mobile', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
    expect(() => tracingFromEnv('mobile', { OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER must be otlp, console or none/);
    const urls = { ...mocks.urls } as DownstreamUrls;
    CALLED.forEach((service, i) => (urls[service] = recorders[i]!.url));
    const bff = createMobileBff(testConfig(urls, { titleCacheMb: 0 }), { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }), tracing: undefined });
    bffs.push(bff);
    const seen = await home(bff, 'untraced');
    expect(new Set(seen.map(({ service }) => service))).toEqual(new Set(CALLED));
    expect(seen.map(({ headers }) => headers.traceparent)).toEqual(seen.map(() => undefined));
  });
});
