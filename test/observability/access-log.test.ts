/**
 * At LOG_LEVEL=info every request writes one access line, and every line a request causes
 * (a downstream failure, a masked error) carries its request_id and trace_id, so the id a user
 * reports (x-request-id) finds its lines. Probes write none.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
let mocks: TestMocks;
let token: string;
const lines: Record<string, unknown>[] = [];
const bffs: Record<'lane' | 'yoga', Bff> = {} as never;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  for (const fastLane of [true, false]) {
    bffs[fastLane ? 'lane' : 'yoga'] = createMobileBff(testConfig(mocks.urls, { fastLane }), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ name: 'bff-mobile', level: 'info' }, stream),
      tracing: undefined,
      policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
    });
  }
});
afterEach(() => mocks.clearFaults());
afterAll(async () => {
  await Promise.all(Object.values(bffs).map((bff) => bff.close()));
  await mocks.close();
});

async function home(bff: Bff, requestId: string, headers: Record<string, string> = {}) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, 'x-request-id': requestId, traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, ...headers },
    body: JSON.stringify({ documentId: documentId('mobile', 'MobileHome') }),
  });
  await response.arrayBuffer();
  return response;
}

const linesOf = (requestId: string) => lines.filter((line) => line.request_id === requestId);

describe.each(['lane', 'yoga'] as const)('on %s', (path) => {
  test('one access line per request: version, operation, status, duration, request and trace ids', async () => {
    const response = await home(bffs[path], `ok-${path}`, { 'x-client-version': '1.4.0' });
    expect(response.status).toBe(200);
    const [line, ...more] = linesOf(`ok-${path}`);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 30, name: 'bff-mobile', msg: 'request', method: 'POST', path: '/graphql', operation: 'MobileHome', status: 200, request_id: response.headers.get('x-request-id'), trace_id: TRACE });
    expect(typeof line!.version).toBe('string');
    expect(line!.duration_ms).toBeGreaterThan(0);
    expect(line).not.toHaveProperty('codes');
  });

  test('a refused request names its codes; a downstream failure is logged with the same ids', async () => {
    await home(bffs[path], `refused-${path}`, { authorization: 'Bearer nope' });
    expect(linesOf(`refused-${path}`)).toEqual([expect.objectContaining({ msg: 'request', status: 401, codes: ['INVALID_TOKEN'] })]);

    await mocks.setFaults('notifications', { errorStatus: 500 });
    // Another viewer, who has no last good count to be served stale instead.
    const response = await home(bffs[path], `degraded-${path}`, { authorization: `Bearer ${await mocks.token(path === 'lane' ? 'u_2' : 'u_3')}` });
    expect(response.status).toBe(200);
    const logged = linesOf(`degraded-${path}`);
    expect(logged.filter((line) => line.msg === 'request')).toEqual([expect.objectContaining({ status: 200, codes: ['DOWNSTREAM_UNAVAILABLE'] })]);
    const failures = logged.filter((line) => line.service === 'notifications');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.every((line) => line.level === 40 && line.trace_id === TRACE && line.route === '/notifications/:userId/unread-count' && line.downstream_status === 500)).toBe(true);
  });
});

test('probes write no access line', async () => {
  const before = lines.length;
  await (await fetchOver(bffs.lane, '/health')).arrayBuffer();
  expect(lines.length).toBe(before);
});
