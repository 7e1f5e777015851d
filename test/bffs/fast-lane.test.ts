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
import { createWebBff } from '../../bffs/web/bff.ts';
import type { BffConfig } from '../../bffs/kit/config.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId, operation, releasedDocument } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver, originOf } from '../support/served.ts';
import { exchange } from '../support/raw-socket.ts';

const ALLOWED_ORIGIN = 'https://app.example';
type Client = 'mobile' | 'tv' | 'web' | 'mobile-trusted-only';
const factories = { mobile: createMobileBff, tv: createTvBff, web: createWebBff, 'mobile-trusted-only': createMobileBff };
/** Per client, what its pair is built with: web serves one browser origin; one mobile pair runs trusted documents only. */
const CONFIGS: Record<Client, Partial<BffConfig>> = {
  mobile: {},
  tv: {},
  web: { webOrigins: [ALLOWED_ORIGIN] },
  'mobile-trusted-only': { trustedDocuments: 'only' },
};

let mocks: TestMocks;
let token: string;
const pairs = {} as Record<Client, { lane: Bff; yoga: Bff }>;

function build(client: Client, urls: DownstreamUrls, fastLane: boolean): Bff {
  return factories[client](testConfig(urls, { fastLane, ...CONFIGS[client] }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
}

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  for (const client of Object.keys(factories) as Client[]) pairs[client] = { lane: build(client, mocks.urls, true), yoga: build(client, mocks.urls, false) };
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
  // Seconds to a budget's reset depend on when each server's window opened, not on the path.
  if (headers.ratelimit) headers.ratelimit = headers.ratelimit.replace(/;t=\d+/g, ';t=<s>');
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
  /** The catalog codes both must answer with, in order (absent: no errors are checked). */
  codes?: string[];
  /** Sent before each path's request, so a mutation finds the same state both times. */
  reset?: { query: string; variables: Record<string, unknown> };
}

const HOME = operation('mobile', 'MobileHome');
const TITLE = operation('mobile', 'MobileTitle');
const ADD = operation('mobile', 'AddToMyList');
const REMOVE = operation('mobile', 'RemoveFromMyList');
const TWO_OPERATIONS = `${TITLE}\nquery Just { home { downloadEnabled } }`;
const HOME_ID = documentId('mobile', 'MobileHome');
/** MobileHome as apps 1.0.0 and 1.1.0 shipped it: what they send, whatever the working copy holds. */
const RELEASED_HOME_ID = { '1.0.0': releasedDocument('mobile', '1.0.0', 'MobileHome').id, '1.1.0': releasedDocument('mobile', '1.1.0', 'MobileHome').id };
const ADD_ID = documentId('mobile', 'AddToMyList');
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };
const STRANGER = 'https://evil.example';
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: title(id: "t_${i + 1}") { title }`).join(' ')} }`;

const cases: Case[] = [
  { name: 'MobileHome, no Accept', body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept */*', headers: { accept: '*/*' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept graphql-response+json', headers: GRAPHQL_RESPONSE, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept graphql-response+json then json (the SDK)', headers: { accept: 'application/graphql-response+json, application/json' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept json then graphql-response+json', headers: { accept: 'application/json, application/graphql-response+json' }, body: { query: HOME }, status: 200 },
  { name: 'MobileHome, Accept application/*;q=0.9', headers: { accept: 'application/*;q=0.9' }, body: { query: HOME }, status: 200 },
  { name: 'Content-Type with a charset', headers: { 'content-type': 'application/json; charset=utf-8' }, body: { query: HOME }, status: 200 },
  { name: 'a query with variables', body: { query: TITLE, variables: { id: 't_42' }, operationName: 'MobileTitle' }, status: 200 },
  { name: 'an unknown id: a NOT_FOUND field error beside data', body: { query: TITLE, variables: { id: 't_nope' } }, status: 200, codes: ['NOT_FOUND'] },
  { name: 'a variable of the wrong type, legacy json: 200', body: { query: TITLE, variables: { id: { not: 'an id' } } }, status: 200, codes: ['BAD_USER_INPUT'] },
  { name: 'a variable of the wrong type, graphql-response+json: 400', headers: GRAPHQL_RESPONSE, body: { query: TITLE, variables: { id: { not: 'an id' } } }, status: 400, codes: ['BAD_USER_INPUT'] },
  { name: 'a required variable missing, legacy json: 200', body: { query: TITLE, variables: {} }, status: 200, codes: ['BAD_USER_INPUT'] },
  { name: 'a required variable missing, graphql-response+json: 400', headers: GRAPHQL_RESPONSE, body: { query: TITLE }, status: 400, codes: ['BAD_USER_INPUT'] },
  { name: 'two operations, one named', body: { query: TWO_OPERATIONS, operationName: 'Just' }, status: 200 },
  { name: 'two operations, none named', body: { query: TWO_OPERATIONS }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'an unknown operation name', body: { query: HOME, operationName: 'Nope' }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a mutation', body: { query: ADD, variables: { contentId: 't_7' } }, status: 200, reset: { query: REMOVE, variables: { contentId: 't_7' } } },
  { name: 'introspection (development)', body: { query: '{ __typename __schema { queryType { name } } }' }, status: 200 },
  { name: 'a syntax error, legacy json: 200', body: { query: '{ home { ' }, status: 200, codes: ['GRAPHQL_PARSE_FAILED'] },
  { name: 'a syntax error, graphql-response+json: 400', headers: GRAPHQL_RESPONSE, body: { query: '{ home { ' }, status: 400, codes: ['GRAPHQL_PARSE_FAILED'] },
  { name: 'a validation error, legacy json: 200', body: { query: '{ home { cast } }' }, status: 200, codes: ['GRAPHQL_VALIDATION_FAILED'] },
  { name: 'a validation error, graphql-response+json: 400', headers: GRAPHQL_RESPONSE, body: { query: '{ home { cast } }' }, status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] },
  { name: 'a body that is not JSON', body: '{"query": ', status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a batch (array body)', body: [{ query: HOME }], status: 400, codes: ['BAD_REQUEST'] },
  { name: 'an unexpected parameter', body: { query: HOME, foo: 1 }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a query that is not a string', body: { query: 42 }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'variables that are not an object', body: { query: TITLE, variables: '{"id":"t_1"}' }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a variable the operation does not declare', headers: GRAPHQL_RESPONSE, body: { query: TITLE, variables: { id: 't_1', bust: 1 } }, status: 400, codes: ['BAD_USER_INPUT'] },
  { name: 'variables nested thousands deep', body: `{"query":${JSON.stringify(TITLE)},"variables":{"id":"t_1","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'addToMyList(contentId: "..")', body: { query: ADD, variables: { contentId: '..' } }, status: 200, codes: ['BAD_USER_INPUT'] },
  { name: 'no token: 401 with WWW-Authenticate', headers: { authorization: '' }, body: { query: HOME }, status: 401, codes: ['UNAUTHENTICATED'] },
  { name: 'a forged token', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2ln' }, body: { query: HOME }, status: 401, codes: ['INVALID_TOKEN'] },
  { name: 'a text/plain body', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: HOME }), status: 415, codes: ['UNSUPPORTED_MEDIA_TYPE'] },
  { name: 'Accept text/html only', headers: { accept: 'text/html' }, body: { query: HOME }, status: 406, codes: ['NOT_ACCEPTABLE'] },
  { name: 'Accept with a latin-1 charset only', headers: { accept: 'application/json; charset=iso-8859-1' }, body: { query: HOME }, status: 406, codes: ['NOT_ACCEPTABLE'] },
  { name: 'a gzip-compressed body (yoga does not inflate bodies)', headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ query: HOME })), status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a 20 MB body: 413 before it is read', body: { query: HOME, variables: { pad: 'x'.repeat(20_000_000) } }, status: 413, codes: ['REQUEST_TOO_LARGE'] },
  { name: 'an unknown path', path: '/graphiql', body: { query: HOME }, status: 404, codes: ['ROUTE_NOT_FOUND'] },
  { name: 'a POST with a query string naming no GraphQL parameter: ignored', path: '/graphql?op=MobileHome&x=1', body: { query: HOME }, status: 200 },
  { name: 'a POST with query= in its URL, beside its body', path: `/graphql?query=${encodeURIComponent('{ home { downloadEnabled } }')}`, body: { query: HOME }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a POST with documentId= in its URL', path: `/graphql?documentId=${HOME_ID}`, body: { query: HOME }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a POST with operationName= in its URL', path: '/graphql?x=1&operationName=MobileHome', body: { query: HOME }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a POST with an empty variables= in its URL', path: '/graphql?variables=', body: { query: HOME }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a POST with extensions= in its URL', path: `/graphql?extensions=${encodeURIComponent('{}')}`, body: { query: HOME }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'GET with variables that are not JSON', method: 'GET', path: `/graphql?query=${encodeURIComponent(TITLE)}&variables=${encodeURIComponent('{id:')}`, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'GET with an unknown parameter', method: 'GET', path: `/graphql?query=${encodeURIComponent('{ home { downloadEnabled } }')}&cacheBuster=1`, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'GET with an empty variables= (as apps in the field send it)', method: 'GET', path: `/graphql?query=${encodeURIComponent('{ home { downloadEnabled } }')}&variables=`, status: 200 },
  { name: 'GET with the query in the URL', method: 'GET', path: `/graphql?query=${encodeURIComponent('{ home { downloadEnabled } }')}`, status: 200 },
  { name: 'TV home with its device headers', client: 'tv', headers: { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr' }, body: { query: operation('tv', 'TvHome') }, status: 200 },
  { name: 'TV with an unknown DRM system: 400 BAD_USER_INPUT', client: 'tv', headers: { 'x-device-drm': 'clearkey' }, body: { query: operation('tv', 'TvHome') }, status: 400, codes: ['BAD_USER_INPUT'] },
  { name: 'web: a field BAD_USER_INPUT beside data is 200, not 400', client: 'web', headers: GRAPHQL_RESPONSE, body: { query: '{ title(id: "t_1") { title reviews(first: 51) { totalCount } } }' }, status: 200, codes: ['BAD_USER_INPUT'] },

  // Trusted documents
  { name: 'documentId (POST)', body: { documentId: HOME_ID }, status: 200 },
  { name: 'documentId as bare hex', body: { documentId: HOME_ID.slice('sha256:'.length) }, status: 200 },
  { name: 'GET with documentId', method: 'GET', path: `/graphql?documentId=${encodeURIComponent(HOME_ID)}`, status: 200 },
  { name: 'GET with documentId and variables', method: 'GET', path: `/graphql?documentId=${encodeURIComponent(documentId('mobile', 'MobileTitle'))}&variables=${encodeURIComponent('{"id":"t_3"}')}`, status: 200 },
  { name: "Apollo's persistedQuery form", body: { extensions: { persistedQuery: { version: 1, sha256Hash: HOME_ID.slice('sha256:'.length) } } }, status: 200 },
  { name: "Apollo's form with an unknown hash: PersistedQueryNotFound", body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }, status: 400, codes: ['PERSISTED_DOCUMENT_NOT_FOUND'] },
  { name: "Apollo's form with a hash that is not the query's", body: { query: HOME, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a trusted document under another operation name', body: { documentId: HOME_ID, operationName: 'Invented' }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'a trusted document under its own operation name', body: { documentId: HOME_ID, operationName: 'MobileHome' }, status: 200 },
  { name: 'a stranger origin gets Vary: Origin', headers: { origin: STRANGER }, body: { query: HOME }, status: 403, codes: ['ORIGIN_NOT_ALLOWED'] },
  { name: 'documentId from app 1.1.0 (the SQUARE row)', headers: { 'x-client-version': '1.1.0' }, body: { documentId: RELEASED_HOME_ID['1.1.0'] }, status: 200 },
  { name: 'documentId from app 1.0.0', headers: { 'x-client-version': '1.0.0' }, body: { documentId: RELEASED_HOME_ID['1.0.0'] }, status: 200 },
  { name: 'GET documentId from app 1.1.0', method: 'GET', headers: { 'apollographql-client-version': '1.1.0' }, path: `/graphql?documentId=${encodeURIComponent(RELEASED_HOME_ID['1.1.0'])}`, status: 200 },
  { name: "the working copy's documentId naming app 1.0.0", headers: { 'x-client-version': '1.0.0' }, body: { documentId: HOME_ID }, status: 200 },
  { name: 'a retired app version', headers: { 'x-client-version': '0.1.0' }, body: { documentId: HOME_ID }, status: 400, codes: ['CLIENT_VERSION_UNSUPPORTED'] },
  { name: 'a version header that is not a version', headers: { 'x-client-version': 'nightly' }, body: { documentId: HOME_ID }, status: 400, codes: ['BAD_REQUEST'] },
  { name: 'an unknown documentId', body: { documentId: `sha256:${'0'.repeat(64)}` }, status: 400, codes: ['PERSISTED_DOCUMENT_NOT_FOUND'] },
  { name: 'a mutation by GET: 405', method: 'GET', path: `/graphql?documentId=${encodeURIComponent(ADD_ID)}&variables=${encodeURIComponent('{"contentId":"t_7"}')}`, status: 405, codes: ['METHOD_NOT_ALLOWED'] },
  { name: 'only mode: documentId runs', client: 'mobile-trusted-only', body: { documentId: HOME_ID }, status: 200 },
  { name: 'only mode: a raw document is refused', client: 'mobile-trusted-only', body: { query: HOME }, status: 400, codes: ['PERSISTED_DOCUMENT_REQUIRED'] },
  { name: 'only mode: a raw document by GET is refused', client: 'mobile-trusted-only', method: 'GET', path: `/graphql?query=${encodeURIComponent(HOME)}`, status: 400, codes: ['PERSISTED_DOCUMENT_REQUIRED'] },
  { name: 'only mode: an unknown documentId', client: 'mobile-trusted-only', body: { documentId: `sha256:${'1'.repeat(64)}` }, status: 400, codes: ['PERSISTED_DOCUMENT_NOT_FOUND'] },

  // Operation limits
  { name: 'an alias bomb within the body limit: aliases', body: { query: aliases(40) }, status: 400, codes: ['OPERATION_LIMIT_EXCEEDED'] },
  { name: 'a 2,000-alias bomb: over the body limit, never read', body: { query: aliases(2_000) }, status: 413, codes: ['REQUEST_TOO_LARGE'] },
  { name: 'a deep query: depth, refused before validation', body: { query: '{ a { b { c { d { e { f { g { h } } } } } } } }' }, status: 400, codes: ['OPERATION_LIMIT_EXCEEDED'] },
  { name: 'too many tokens', body: { query: `{ home { ${'downloadEnabled '.repeat(1_001)}} }` }, status: 400, codes: ['OPERATION_LIMIT_EXCEEDED'] },
  { name: 'too costly', body: { query: `{ ${Array.from({ length: 8 }, (_, i) => `h${i}: home { downloadEnabled profile { name avatarUrl } rows { id title layout items { contentId title thumbnail progressPercent subtitle synopsis maturityRating isNew } } }`).join(' ')} }` }, status: 400, codes: ['OPERATION_LIMIT_EXCEEDED'] },
  { name: 'too many directives', body: { query: `{ home { downloadEnabled ${'@include(if: true) '.repeat(11)}} }` }, status: 400, codes: ['OPERATION_LIMIT_EXCEEDED'] },

  // Origins (CORS and CSRF)
  { name: 'mobile: a stranger origin is refused before anything runs', headers: { origin: STRANGER }, body: { query: ADD, variables: { contentId: 't_8' } }, status: 403, codes: ['ORIGIN_NOT_ALLOWED'] },
  { name: 'mobile: a stranger preflight gets no CORS headers', method: 'OPTIONS', headers: { origin: STRANGER, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }, status: 204 },
  { name: 'web: an allowed origin, with credentials', client: 'web', headers: { origin: ALLOWED_ORIGIN }, body: { query: '{ home { hero { id } } }' }, status: 200 },
  { name: 'web: an allowed origin with an error', client: 'web', headers: { origin: ALLOWED_ORIGIN, authorization: '' }, body: { query: '{ home { hero { id } } }' }, status: 401, codes: ['UNAUTHENTICATED'] },
  { name: 'web: an allowed preflight', client: 'web', method: 'OPTIONS', headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }, status: 204 },
  { name: 'web: a stranger preflight gets no CORS headers', client: 'web', method: 'OPTIONS', headers: { origin: STRANGER, 'access-control-request-method': 'POST' }, status: 204 },
  { name: 'web: a stranger POST is refused', client: 'web', headers: { origin: STRANGER }, body: { query: '{ home { hero { id } } }' }, status: 403, codes: ['ORIGIN_NOT_ALLOWED'] },
];

describe('the fast lane answers exactly what yoga answers', () => {
  test.each(cases)('$name', async ({ client = 'mobile', method = 'POST', path = '/graphql', headers = {}, body, status, codes, reset }) => {
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
    if (codes) expect((viaLane.body as { errors?: { extensions: { code: string } }[] }).errors?.map((e) => e.extensions.code)).toEqual(codes);
    if (status === 401) expect(viaLane.headers['www-authenticate']).toMatch(/^Bearer realm="concierge"/);
    if (headers.origin === STRANGER) expect(viaLane.headers['access-control-allow-origin']).toBeUndefined();
    if (headers.origin !== undefined && method !== 'OPTIONS') expect(viaLane.headers.vary).toContain('Origin');
    if (headers.origin === ALLOWED_ORIGIN) {
      expect(viaLane.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(viaLane.headers['access-control-allow-credentials']).toBe('true');
    }
    // Every non-2xx answer has a JSON body with a catalog code.
    if (status >= 400) expect((viaLane.body as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toMatch(/^[A-Z_]+$/);
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
    ['on the fast lane', true],
    ["on yoga's lane (FAST_LANE=off)", false],
  ])('cancels its downstream calls, and they never count against the service: %s', async (_, fastLane) => {
    const requestBody = { query: '{ home { profile { name } } }' };
    // A short deadline, so calls that were not cancelled would have failed (and counted) by the check.
    const bff = factories.mobile(testConfig(mocks.urls, { fastLane }), {
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


describe('on both lanes, what the old transports did in their own ways', () => {
  const lanes = [
    ['the fast lane', true],
    ["yoga's lane", false],
  ] as const;

  test.each(lanes)('%s: a chunked body over the limit is 413 REQUEST_TOO_LARGE, and the connection closes rather than read the rest', async (_, fastLane) => {
    const bff = build('mobile', mocks.urls, fastLane);
    try {
      const body = JSON.stringify({ query: '{ home { downloadEnabled } }', variables: { pad: 'x'.repeat(20_000) } });
      const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      const answer = await exchange(await originOf(bff), `POST /graphql HTTP/1.1\r\nhost: bff\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\ntransfer-encoding: chunked\r\n\r\n${chunked}`);
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
    } finally {
      await bff.close();
    }
  });

  test.each(lanes)('%s: a client that takes only multipart/mixed is refused with the status and headers a JSON client gets, in one part', async (_, fastLane) => {
    const response = await fetchOver(pairs.web[fastLane ? 'lane' : 'yoga'], '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: operation('web', 'WebHome') }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="concierge"/);
    expect(response.headers.get('content-type')).toBe('multipart/mixed; boundary="-"');
    const text = await response.text();
    expect(JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test.each(lanes)('%s: @defer over SSE: the first part, then the deferred ones, then complete', async (_, fastLane) => {
    const response = await fetchOver(pairs.web[fastLane ? 'lane' : 'yoga'], '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: operation('web', 'WebHome') }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter((block) => block.startsWith('event:'));
    const parts = events.filter((block) => block.startsWith('event: next')).map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 'data: '.length)));
    expect(parts[0].data.home.rows.length).toBeGreaterThan(0);
    expect(parts[0].hasNext).toBe(true);
    expect(parts.slice(1).some((part) => part.incremental?.length)).toBe(true);
    expect(parts.at(-1).hasNext).toBe(false);
    expect(events.at(-1)).toMatch(/^event: complete/);
  });

  test.each(lanes)('%s: a client that hangs up in the middle of @defer parts gives back its slot in the shedder', async (_, fastLane) => {
    const bff = createWebBff(testConfig(mocks.urls, { fastLane, ...CONFIGS.web }), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ level: 'silent' }),
      policy: { shedding: { maxInFlight: 1, maxEventLoopDelayMs: 10_000 } },
    });
    await mocks.setFaults('reviews', { latencyMs: 2_000 });
    try {
      const abort = new AbortController();
      const response = await fetchOver(bff, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: operation('web', 'WebHome') }),
        signal: abort.signal,
      });
      const reader = response.body!.getReader();
      await reader.read(); // the first part is here; the ratings are 2 s away
      abort.abort();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // With a cap of one, a slot kept by the abandoned stream would refuse this with 503 OVERLOADED.
      const next = await fetchOver(bff, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ home { hero { id } } }' }) });
      expect(next.status).toBe(200);
    } finally {
      await mocks.clearFaults();
      await bff.close();
    }
  });
});

describe('rate limits, on both paths', () => {
  /** A pair with small budgets: the viewer's fits two MobileHomes (homeCost each), the address's five forged-token tries. */
  function limitedPair(budgets: { viewer: number; ip: number }) {
    const make = (fastLane: boolean) =>
      createMobileBff(testConfig(mocks.urls, { fastLane }), {
        clock: () => new Date(TEST_NOW),
        logger: pino({ level: 'silent' }),
        policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
        perimeter: { rateLimits: { viewer: { points: budgets.viewer, windowSeconds: 60 }, ip: { points: budgets.ip, windowSeconds: 60 } } },
      });
    return { lane: make(true), yoga: make(false) };
  }
  const home = (authorization = `Bearer ${token}`) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ documentId: HOME_ID }),
  });

  /** What one MobileHome costs, read off the RateLimit header of a BFF with room to spare: the document's fields decide it, not this file. */
  let homeCost: number;
  beforeAll(async () => {
    const { lane, yoga } = limitedPair({ viewer: 100_000, ip: 100_000 });
    try {
      const first = await answer(lane, '/graphql', home());
      expect(first.status).toBe(200);
      homeCost = 100_000 - Number(/"viewer";r=(\d+);/.exec(String(first.headers.ratelimit))![1]);
      expect(homeCost).toBeGreaterThan(0);
    } finally {
      await Promise.all([lane.close(), yoga.close()]);
    }
  });

  test('the viewer spends the operation\'s cost; over budget is 429 RATE_LIMITED with Retry-After and the IETF RateLimit fields', async () => {
    const viewerBudget = 2 * homeCost + Math.floor(homeCost / 2);
    const { lane, yoga } = limitedPair({ viewer: viewerBudget, ip: 100_000 });
    try {
      for (const bff of [lane, yoga]) {
        const statuses: number[] = [];
        let last!: Awaited<ReturnType<typeof answer>>;
        for (let i = 0; i < 3; i++) {
          last = await answer(bff, '/graphql', home());
          statuses.push(last.status);
        }
        expect(statuses).toEqual([200, 200, 429]);
        expect(last.body).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', budget: 'viewer', cost: homeCost } }] });
        expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
        expect(last.headers['ratelimit-policy']).toBe(`"ip";q=100000;w=60, "viewer";q=${viewerBudget};w=60`);
        expect(last.headers.ratelimit).toMatch(/^"ip";r=\d+;t=<s>, "viewer";r=0;t=<s>$/);
      }
    } finally {
      await Promise.all([lane.close(), yoga.close()]);
    }
  });

  test('an alias bomb within the limits spends what it weighs, not one request', async () => {
    const { lane, yoga } = limitedPair({ viewer: 100, ip: 100_000 });
    try {
      const bomb = `{ ${Array.from({ length: 10 }, (_, i) => `t${i}: title(id: "t_${i + 1}") { title synopsis thumbnail }`).join(' ')} }`;
      for (const bff of [lane, yoga]) {
        const first = await answer(bff, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: bomb }) });
        expect(first.status).toBe(200); // 10 x (2 + 1.5 x 3) = 65 of 100: the next one does not fit
        expect(first.headers.ratelimit).toMatch(/"viewer";r=35;/);
        const second = await answer(bff, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: bomb }) });
        expect(second.status).toBe(429);
      }
    } finally {
      await Promise.all([lane.close(), yoga.close()]);
    }
  });

  test('a flood of forged tokens spends the address budget before any signature check, then gets 429', async () => {
    const { lane, yoga } = limitedPair({ viewer: 100_000, ip: homeCost * 5 });
    try {
      for (const bff of [lane, yoga]) {
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) statuses.push((await answer(bff, '/graphql', home(`Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.forged${i}`))).status);
        expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
        // The address is spent for everyone behind it, good tokens included, until the window resets.
        const good = await answer(bff, '/graphql', home());
        expect(good.status).toBe(429);
        expect(good.body).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', budget: 'ip' } }] });
      }
    } finally {
      await Promise.all([lane.close(), yoga.close()]);
    }
  });
});
