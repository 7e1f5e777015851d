/**
 * What a production BFF answers to a request no HTTP client library would send, over raw
 * sockets and on both transports (the fast lane and yoga's path): a bad `Host` is 400
 * `INVALID_HOST` from the catalog, an absolute-form target is served as its origin-form twin
 * (RFC 9112 §3.2.2), and a failure no handler answers is a 500 with the catalog's body, logged
 * and counted, never the stack trace that yoga's node adapter sends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { frontDoor } from '../../bffs/kit/server/front-door.ts';
import { yogaNodeListener } from '../../bffs/kit/server/last-resort.ts';
import type { NodeListener } from '../../bffs/kit/core/node-listener.ts';
import { Observer } from '../../bffs/kit/observability/observer.ts';
import { createMetrics } from '../../bffs/kit/observability/metrics.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { exchange } from '../support/raw-socket.ts';
import { originOf } from '../support/served.ts';

/** What a stack trace or a file path looks like in a body. */
const LEAKS = /\bat \S+ \(|node_modules|\.ts:\d+|\.js:\d+|Error:/;

const TRANSPORTS = [
  ['the fast lane', true],
  ['yoga (FAST_LANE=off)', false],
] as const;

let mocks: TestMocks;
const served = new Map<boolean, { bff: Bff; origin: string }>();

beforeAll(async () => {
  mocks = await startTestMocks();
  for (const [, fastLane] of TRANSPORTS) {
    const bff = createMobileBff(testConfig(mocks.urls, { production: true, fastLane }), { logger: pino({ level: 'silent' }) });
    served.set(fastLane, { bff, origin: await originOf(bff) });
  }
});

afterAll(async () => {
  await Promise.all([...served.values()].map(({ bff }) => bff.close()));
  await mocks?.close();
});

const request = (head: string, body = '') => `${head}\r\nConnection: close\r\n${body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

async function counter(bff: Bff, series: string, labels: string): Promise<number> {
  const text = await bff.metrics!.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const BAD_HOSTS: [string, string][] = [
  ['a space in Host, GET /health', request('GET /health HTTP/1.1\r\nHost: a b')],
  ['an unclosed IPv6 literal, GET /graphql', request('GET /graphql?documentId=x HTTP/1.1\r\nHost: [::1')],
  ['a space in Host, POST /graphql (what the lane takes)', request('POST /graphql HTTP/1.1\r\nHost: a b', '{"documentId":"x"}')],
  ['a bad Host on a path nothing serves', request('GET /nowhere HTTP/1.1\r\nHost: x/y')],
  ['an empty Host', request('GET /ready HTTP/1.1\r\nHost:')],
  ['two Host lines', request('GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example')],
  ['an absolute-form target with a bad host', request('GET http://bff.example:99999/health HTTP/1.1\r\nHost: ok.example')],
];

describe.each(TRANSPORTS)('on %s', (_name, fastLane) => {
  test.each(BAD_HOSTS)('%s: 400 INVALID_HOST from the catalog, counted, nothing internal', async (_case, raw) => {
    const { bff, origin } = served.get(fastLane)!;
    const before = await counter(bff, 'concierge_rejections_total', 'code="INVALID_HOST"');
    const answer = await exchange(origin, raw);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['x-request-id']).toMatch(/^[\w-]+$/);
    const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors).toEqual([{ message: expect.stringMatching(/host/i), extensions: { code: 'INVALID_HOST' } }]);
    expect(answer.body).not.toMatch(LEAKS);
    expect(await counter(bff, 'concierge_rejections_total', 'code="INVALID_HOST"')).toBe(before + 1);
  });

  const documentOfHome = documentId('mobile', 'MobileHome');
  test.each([
    ['GET /health', 'GET', '/health', ''],
    ['GET /graphql?documentId=… (the lane\'s GET)', 'GET', `/graphql?documentId=${documentOfHome}`, ''],
    ['POST /graphql (the lane\'s POST)', 'POST', '/graphql', JSON.stringify({ documentId: documentOfHome })],
    ['GET /nowhere', 'GET', '/nowhere', ''],
  ])('an absolute-form target is served as its origin-form twin: %s', async (_case, method, path, body) => {
    const { origin } = served.get(fastLane)!;
    const accept = 'Accept: application/graphql-response+json';
    const originForm = await exchange(origin, request(`${method} ${path} HTTP/1.1\r\nHost: bff.example\r\n${accept}`, body));
    // RFC 9112 §3.2.2: the target's authority is the host; the Host line is ignored.
    const absoluteForm = await exchange(origin, request(`${method} http://bff.example:4001${path} HTTP/1.1\r\nHost: other.example\r\n${accept}`, body));
    expect(originForm.status).not.toBe(500);
    expect(absoluteForm.status).toBe(originForm.status);
    expect(absoluteForm.headers['content-type']).toBe(originForm.headers['content-type']);
    expect(absoluteForm.body).toBe(originForm.body);
  });
});

describe('the last resort', () => {
  const servers: Server[] = [];
  const log: string[] = [];
  const metrics = createMetrics('test');
  const observer = new Observer({ endpoint: '/graphql', logger: pino({ level: 'info' }, { write: (line: string) => void log.push(line) }), metrics, tracing: undefined });

  async function listen(listener: NodeListener): Promise<string> {
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  const masked = { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
  const failures = async (transport: string) => (await metrics.unexpectedFailures.get()).values.find((value) => value.labels.transport === transport)?.value ?? 0;

  test("yoga's adapter failing outside its handlers (a URL it cannot build, a plugin's onRequest that throws): 500 from the catalog, logged with the stack, counted", async () => {
    // The adapter's part that yogaNodeListener calls, failing as @whatwg-node/server's does when
    // `new URL()` throws: its own listener would send this error's stack as text/plain.
    const origin = await listen(yogaNodeListener({ handleNodeRequestAndResponse: () => Promise.reject(new TypeError('Invalid URL (at /srv/concierge/node_modules/@whatwg-node/server/cjs/utils.js:76)')) }, observer));
    const answer = await exchange(origin, request('GET /health HTTP/1.1\r\nHost: bff.example\r\nX-Request-Id: last-resort-1'));
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['x-request-id']).toBe('last-resort-1');
    expect(JSON.parse(answer.body)).toEqual(masked);
    expect(answer.body).not.toMatch(LEAKS);
    expect(await failures('yoga')).toBe(1);
    const logged = log.map((line) => JSON.parse(line) as { level: number; request_id?: string; err?: { stack?: string } }).find((line) => line.request_id === 'last-resort-1');
    expect(logged?.level).toBe(50); // error
    expect(logged?.err?.stack).toContain('Invalid URL');
  });

  test('a transport throwing before its own handlers catch (the lane\'s synchronous part): 500 from the catalog, counted; the process keeps serving', async () => {
    const origin = await listen(frontDoor(() => {
      throw new TypeError('Cannot read properties of undefined (at /srv/fast-lane.ts:42)');
    }, observer, 'fast_lane'));
    for (let i = 0; i < 2; i++) {
      const answer = await exchange(origin, request('POST /graphql HTTP/1.1\r\nHost: bff.example', '{}'));
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual(masked);
      expect(answer.body).not.toMatch(LEAKS);
    }
    expect(await failures('fast_lane')).toBe(2);
  });
});
