/**
 * The fast lane must be invisible: for every request, a BFF with it answers exactly what the same
 * BFF without it (yoga alone, FAST_LANE=off) answers, over real HTTP. The cases cover what the lane
 * serves itself (plain queries, variables, mutations, every Accept it takes, field errors, 401s,
 * a device header refused with 400) and what it must leave to yoga (broken bodies and documents,
 * other media types, CORS, GET, extensions).
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DownstreamUrls } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver, originOf } from '../support/served.ts';

type Client = 'mobile' | 'tv';
const factories = { mobile: createMobileBff, tv: createTvBff };

let mocks: TestMocks;
let token: string;
const pairs = {} as Record<Client, { lane: Bff; yoga: Bff }>;

function build(client: Client, urls: DownstreamUrls, fastLane: boolean): Bff {
  return factories[client](testConfig(urls, { fastLane }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
}

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  for (const client of ['mobile', 'tv'] as const) pairs[client] = { lane: build(client, mocks.urls, true), yoga: build(client, mocks.urls, false) };
});
afterAll(async () => {
  await Promise.all(Object.values(pairs).flatMap(({ lane, yoga }) => [lane.close(), yoga.close()]));
  await mocks.close();
});

/** Headers that differ between any two responses for reasons that are not the server's answer. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

async function answer(bff: Bff, path: string, init: RequestInit) {
  const response = await fetchOver(bff, path, init);
  const text = await response.text();
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !TRANSPORT.has(name)));
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: response.status, headers, body };
}

interface Case {
  name: string;
  client?: Client;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  /** The status both must answer, so a case cannot pass by both paths breaking alike. */
  status: number;
  /** Sent before each path's request, so a mutation finds the same state both times. */
  reset?: { query: string; variables: Record<string, unknown> };
}

const HOME = operation('mobile', 'MobileHome');
const TITLE = operation('mobile', 'MobileTitle');
const ADD = operation('mobile', 'AddToMyList');
const REMOVE = operation('mobile', 'RemoveFromMyList');
const TWO_OPERATIONS = `${TITLE}\nquery Just { home { downloadEnabled } }`;

const cases: Case[] = [
  { name: 'MobileHome, no Accept', body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept */*', headers: { accept: '*/*' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept graphql-response+json', headers: { accept: 'application/graphql-response+json' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept graphql-response+json then json (the SDK)', headers: { accept: 'application/graphql-response+json, application/json' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept json then graphql-response+json', headers: { accept: 'application/json, application/graphql-response+json' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept application/*;q=0.9', headers: { accept: 'application/*;q=0.9' }, body: { query: HOME }, status: 200 },
  { name: 'Content-Type with a charset', headers: { 'content-type': 'application/json; charset=utf-8' }, body: { query: HOME }, status: 200 },
  { name: 'a query with variables', body: { query: TITLE, variables: { id: 't_42' }, operationName: 'MobileTitle' }, status: 200 },
  { name: 'an unknown id: a NOT_FOUND field error beside data', body: { query: TITLE, variables: { id: 't_nope' } }, status: 200 },
  { name: 'a variable of the wrong type', body: { query: TITLE, variables: { id: { not: 'an id' } } }, status: 200 },
  { name: 'a required variable missing', body: { query: TITLE, variables: {} }, status: 200 },
  { name: 'a required variable missing, graphql-response+json', headers: { accept: 'application/graphql-response+json' }, body: { query: TITLE }, status: 200 },
  { name: 'two operations, one named', body: { query: TWO_OPERATIONS, operationName: 'Just' }, status: 200 },
  { name: 'two operations, none named', body: { query: TWO_OPERATIONS }, status: 400 },
  { name: 'an unknown operation name', body: { query: HOME, operationName: 'Nope' }, status: 400 },
  { name: 'a mutation', body: { query: ADD, variables: { contentId: 't_7' } }, status: 200, reset: { query: REMOVE, variables: { contentId: 't_7' } } },
  { name: 'introspection', body: { query: '{ __typename __schema { queryType { name } } }' }, status: 200 },
  { name: 'a syntax error', body: { query: '{ home { ' }, status: 400 },
  { name: 'a validation error', body: { query: '{ home { cast } }' }, status: 400 },
  { name: 'a body that is not JSON', body: '{"query": ', status: 400 },
  { name: 'a batch (array body)', body: [{ query: HOME }], status: 400 },
  { name: 'an unexpected parameter', body: { query: HOME, foo: 1 }, status: 400 },
  { name: 'a query that is not a string', body: { query: 42 }, status: 400 },
  { name: 'variables that are not an object', body: { query: TITLE, variables: '{"id":"t_1"}' }, status: 400 },
  { name: 'an extension (persisted query hash)', body: { query: HOME, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, status: 200 },
  { name: 'no token', headers: { authorization: '' }, body: { query: HOME }, status: 401 },
  { name: 'a forged token', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2ln' }, body: { query: HOME }, status: 401 },
  { name: 'a text/plain body', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: HOME }), status: 415 },
  { name: 'Accept text/html only', headers: { accept: 'text/html' }, body: { query: HOME }, status: 406 },
  { name: 'Accept with a latin-1 charset only', headers: { accept: 'application/json; charset=iso-8859-1' }, body: { query: HOME }, status: 406 },
  { name: 'a gzip-compressed body (yoga does not inflate bodies)', headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ query: HOME })), status: 400 },
  { name: 'a body over the 25 MB limit', body: { query: HOME, variables: { pad: 'x'.repeat(25_000_000) } }, status: 413 },
  { name: 'a CORS request (Origin)', headers: { origin: 'https://app.example' }, body: { query: HOME }, status: 200 },
  { name: 'a CORS request with an error', headers: { origin: 'https://app.example', authorization: '' }, body: { query: HOME }, status: 401 },
  { name: 'a query string on the endpoint', path: '/graphql?x=1', body: { query: HOME }, status: 200 },
  { name: 'GET with the query in the URL', method: 'GET', path: `/graphql?query=${encodeURIComponent('{ home { downloadEnabled } }')}`, status: 200 },
  { name: 'TV home with its device headers', client: 'tv', headers: { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr' }, body: { query: operation('tv', 'TvHome') }, status: 200 },
  { name: 'TV with an unknown DRM system: 400 BAD_USER_INPUT', client: 'tv', headers: { 'x-device-drm': 'clearkey' }, body: { query: operation('tv', 'TvHome') }, status: 400 },
];

describe('the fast lane answers exactly what yoga answers', () => {
  test.each(cases)('$name', async ({ client = 'mobile', method = 'POST', path = '/graphql', headers = {}, body, status, reset }) => {
    const plain = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const init: RequestInit = {
      method,
      headers: { ...plain, 'x-request-id': 'parity-1', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
    };
    const via = async (bff: Bff) => {
      if (reset) expect((await answer(bff, '/graphql', { method: 'POST', headers: plain, body: JSON.stringify(reset) })).status).toBe(200);
      return answer(bff, path, init);
    };
    const { lane, yoga } = pairs[client];
    const [viaLane, viaYoga] = [await via(lane), await via(yoga)];
    expect(viaLane).toEqual(viaYoga);
    expect(viaLane.status).toBe(status);
  });

  test('without x-request-id both make one up and echo it', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: HOME }) };
    for (const bff of [pairs.mobile.lane, pairs.mobile.yoga]) {
      const response = await fetchOver(bff, '/graphql', init);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      await response.text();
    }
  });
});

describe('a client that hangs up', () => {
  test.each([
    ['on the lane', { query: '{ home { profile { name } } }' }],
    ['replayed to yoga (a body the lane leaves to it)', { query: '{ home { profile { name } } }', extensions: { client: 'test' } }],
  ])('cancels its downstream calls, and they never count against the service: %s', async (_, requestBody) => {
    // A short deadline, so calls that were not cancelled would have failed (and counted) by the check.
    const bff = factories.mobile(testConfig(mocks.urls), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ level: 'silent' }),
      policy: { deadlineMs: 400, shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
    });
    const init = (signal?: AbortSignal) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(requestBody),
      signal,
    });
    try {
      await fetchOver(bff, '/graphql', init()).then((r) => r.text()); // warm: token verified, pools open
      await mocks.setFaults('users', { hang: true });
      // More hung-up requests than the breaker's run of consecutive failures (5).
      const aborts = Array.from({ length: 8 }, () => new AbortController());
      const pending = aborts.map((abort) => fetchOver(bff, '/graphql', init(abort.signal)).catch(() => 'aborted'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const abort of aborts) abort.abort();
      expect(await Promise.all(pending)).toEqual(aborts.map(() => 'aborted'));
      await new Promise((resolve) => setTimeout(resolve, 600)); // past the deadline
      await mocks.clearFaults();

      const response = await fetchOver(bff, '/graphql', init());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { home: { profile: { name: expect.any(String) } } } });
    } finally {
      await mocks.clearFaults();
      await bff.close();
    }
  });
});

describe('the in-flight count the shedder keeps', () => {
  test('is given back by a request whose client breaks off in the middle of the body', async () => {
    const bff = factories.mobile(testConfig(mocks.urls), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ level: 'silent' }),
      policy: { shedding: { maxInFlight: 1, maxEventLoopDelayMs: 10_000 } },
    });
    try {
      const { hostname, port } = new URL(await originOf(bff));
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write('POST /graphql HTTP/1.1\r\nhost: bff\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":');
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        }).once('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // With a cap of one, a leaked count would refuse this with 503 OVERLOADED.
      const response = await fetchOver(bff, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ home { downloadEnabled } }' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { home: { downloadEnabled: expect.any(Boolean) } } });
    } finally {
      await bff.close();
    }
  });
});

