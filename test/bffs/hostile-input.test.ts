/**
 * What an attacker sends a production BFF (NODE_ENV=production: trusted documents only), on both
 * transports: the fast lane (node:http) and yoga (FAST_LANE=off sends everything through it).
 * Each refusal is a catalog code with the right status, nothing reaches a service that should
 * not, nothing is logged as an error of ours, and the BFF keeps serving.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig, DownstreamUrls } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { MAX_CURSOR_LENGTH, MAX_PARAMETER_DEPTH } from '../../bffs/kit/input-limits.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startRecorder } from '../support/recorder.ts';
import { fetchOver } from '../support/served.ts';

type Recorder = Awaited<ReturnType<typeof startRecorder>>;
type LogLine = { level: number; msg: string; [key: string]: unknown };

const HOME = documentId('mobile', 'MobileHome');
const TITLE = documentId('mobile', 'MobileTitle');
const ADD = documentId('mobile', 'AddToMyList');
const WEB_SEARCH = documentId('web', 'WebSearch');
const TRANSPORTS = [
  ['the fast lane', true],
  ['yoga', false],
] as const;
/** pino's level numbers. */
const ERROR = 50;

let mocks: TestMocks;
let myList: Recorder;
let catalog: Recorder;
let mobileToken: string;
let webToken: string;
const built: Bff[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
  [myList, catalog] = await Promise.all([startRecorder(mocks.urls['my-list']), startRecorder(mocks.urls.catalog)]);
  mobileToken = await mocks.token('u_61', { aud: 'mobile' });
  webToken = await mocks.token('u_62');
});
afterAll(async () => {
  await Promise.all(built.map((bff) => bff.close()));
  await Promise.all([myList?.close(), catalog?.close()]);
  await mocks?.close();
});

/** A BFF whose my-list and catalog calls pass a recorder, with its log lines kept. */
function build(create: typeof createMobileBff, fastLane: boolean, overrides: Partial<BffConfig> = {}) {
  const logs: LogLine[] = [];
  const urls: DownstreamUrls = { ...mocks.urls, 'my-list': myList.url, catalog: catalog.url };
  const bff = create(testConfig(urls, { fastLane, responseCache: true, ...overrides }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
  built.push(bff);
  return { bff, logs };
}

async function post(bff: Bff, token: string, body: unknown, accept = 'application/graphql-response+json', search = '') {
  const response = await fetchOver(bff, search ? `/graphql?${search}` : '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

async function get(bff: Bff, token: string, query: string) {
  const response = await fetchOver(bff, `/graphql?${query}`, { headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** Runs `check` while the mocks inject `fault` into `service`, and clears the faults after, whatever happened. */
async function whileFailing(service: Parameters<TestMocks['setFaults']>[0], fault: Parameters<TestMocks['setFaults']>[1], check: () => Promise<void>): Promise<void> {
  await mocks.setFaults(service, fault);
  try {
    await check();
  } finally {
    await mocks.clearFaults();
  }
}

const codesOf = (body: { errors?: { extensions: { code: string } }[] }) => body.errors?.map((error) => error.extensions.code);
/** Nested arrays `depth` deep: `[[[…]]]`, two bytes a level. */
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe.each(TRANSPORTS)('a production mobile BFF, on %s', (_, fastLane) => {
  let bff: Bff;
  let logs: LogLine[];
  beforeAll(async () => {
    ({ bff, logs } = build(createMobileBff, fastLane, { production: true }));
    await post(bff, mobileToken, { documentId: HOME }); // a cold process's first request fetches identity's keys
  });

  test('a variable nested thousands deep (14 KB, within the body limit) is 400 BAD_REQUEST, by POST and GET, with no error logged, and the BFF keeps serving', async () => {
    const deep = nested(7_000);
    const viaPost = await post(bff, mobileToken, `{"documentId":"${TITLE}","variables":{"id":"t_1","x":${deep}}}`);
    expect(viaPost.status).toBe(400);
    expect(codesOf(viaPost.body)).toEqual(['BAD_REQUEST']);
    expect(viaPost.body.errors[0].message).toContain(`${MAX_PARAMETER_DEPTH} levels`);
    // A URL has less room (node's 16 KB of headers; a bracket is three bytes escaped).
    const viaGet = await get(bff, mobileToken, new URLSearchParams({ documentId: TITLE, variables: `{"id":"t_1","x":${nested(2_000)}}` }).toString());
    expect(viaGet.status).toBe(400);
    expect(codesOf(viaGet.body)).toEqual(['BAD_REQUEST']);
    expect(logs.filter((line) => line.level >= ERROR)).toEqual([]);

    const title = await post(bff, mobileToken, { documentId: TITLE, variables: { id: 't_1' } });
    expect(title.status).toBe(200);
    expect(title.body.data.title.id).toBe('t_1');
  });

  test(`nesting up to ${MAX_PARAMETER_DEPTH} levels is read: a declared variable of the wrong shape is BAD_USER_INPUT, not BAD_REQUEST`, async () => {
    // The variables map is level 1, so its value may nest MAX_PARAMETER_DEPTH - 1 deep.
    const within = await post(bff, mobileToken, `{"documentId":"${TITLE}","variables":{"id":${nested(MAX_PARAMETER_DEPTH - 1)}}}`);
    expect(within.status).toBe(400);
    expect(codesOf(within.body)).toEqual(['BAD_USER_INPUT']);
    const over = await post(bff, mobileToken, `{"documentId":"${TITLE}","variables":{"id":${nested(MAX_PARAMETER_DEPTH)}}}`);
    expect(over.status).toBe(400);
    expect(codesOf(over.body)).toEqual(['BAD_REQUEST']);
  });

  test('a variable the operation does not declare is 400 BAD_USER_INPUT naming it, before anything runs', async () => {
    const seen = catalog.seen.length;
    const refused = await post(bff, mobileToken, { documentId: TITLE, variables: { id: 't_1', bust: 'x1' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ errors: [{ message: 'Variable "$bust" is not declared by the operation.', extensions: { code: 'BAD_USER_INPUT' } }] });
    // Legacy application/json: a request error is 200, as the spec recommends for variables.
    const legacy = await post(bff, mobileToken, { documentId: TITLE, variables: { id: 't_1', bust: 'x2' } }, 'application/json');
    expect(legacy.status).toBe(200);
    expect(codesOf(legacy.body)).toEqual(['BAD_USER_INPUT']);
    expect(catalog.seen.length).toBe(seen);
  });

  test.each(['..', '.', 'a/b', '%2e%2e', 't_1?x=1', ''])('addToMyList(contentId: %j) is a BAD_USER_INPUT field error and my-list is never called', async (contentId) => {
    const calls = myList.seen.length;
    const { status, body } = await post(bff, mobileToken, { documentId: ADD, variables: { contentId } });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([{ message: `contentId ${JSON.stringify(contentId)} is not an id.`, path: ['addToMyList'], extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(myList.seen.slice(calls)).toEqual([]);
  });

  test('an id in the alphabet still reaches my-list (control)', async () => {
    const calls = myList.seen.length;
    const { status, body } = await post(bff, mobileToken, { documentId: ADD, variables: { contentId: 't_7' } });
    expect(status).toBe(200);
    expect(body.data.addToMyList).toMatchObject({ contentId: 't_7', inMyList: true });
    expect(myList.seen.slice(calls).map((call) => `${call.method} ${call.url}`)).toEqual(['PUT /my-list/u_61/t_7']);
  });

  test('a GET with an unknown parameter is 400 BAD_REQUEST, as a POST with one is', async () => {
    const viaGet = await get(bff, mobileToken, new URLSearchParams({ documentId: HOME, cacheBuster: '1' }).toString());
    expect(viaGet.status).toBe(400);
    expect(codesOf(viaGet.body)).toEqual(['BAD_REQUEST']);
    expect(viaGet.body.errors[0].message).toContain('"cacheBuster"');
    const viaPost = await post(bff, mobileToken, { documentId: HOME, cacheBuster: '1' });
    expect({ status: viaPost.status, body: viaPost.body }).toEqual({ status: viaGet.status, body: viaGet.body });
    expect((await get(bff, mobileToken, new URLSearchParams({ documentId: HOME }).toString())).status).toBe(200);
  });

  test("a POST naming a GraphQL parameter in its URL is 400 BAD_REQUEST before its body is read; any other name in its URL is ignored", async () => {
    for (const name of ['query', 'documentId', 'variables', 'operationName', 'extensions']) {
      const refused = await post(bff, mobileToken, { documentId: HOME }, undefined, `${name}=`);
      expect(refused.status, name).toBe(400);
      expect(codesOf(refused.body)).toEqual(['BAD_REQUEST']);
      expect(refused.body.errors[0].message).toContain(`"${name}"`);
    }
    expect((await post(bff, mobileToken, { documentId: HOME }, undefined, 'op=MobileHome&x=1')).status).toBe(200);
  });

  test('a failed service shows the client its code and path, never which service or what it answered; the log line has them', async () => {
    await whileFailing('my-list', { errorStatus: 409 }, async () => {
      const { status, body } = await post(bff, mobileToken, { documentId: ADD, variables: { contentId: 't_8' } });
      expect(status).toBe(200);
      expect(body.errors).toEqual([{ message: 'A downstream service refused the call (an unexpected 4xx).', path: ['addToMyList'], extensions: { code: 'DOWNSTREAM_REJECTED', contentId: 't_8' } }]);
    });
    expect(logs).toContainEqual(expect.objectContaining({ service: 'my-list', outcome: 'DOWNSTREAM_REJECTED', downstream_status: 409, downstream_code: 'INJECTED_FAULT' }));
  });

  test('a field served stale is marked with its path, code and age, not the service that failed', async () => {
    // beforeAll's home left this viewer a last good unread count.
    await whileFailing('notifications', { errorStatus: 500 }, async () => {
      const { status, body } = await post(bff, mobileToken, { documentId: HOME });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.extensions.stale).toEqual([{ path: ['home', 'unreadNotificationCount'], code: 'DOWNSTREAM_UNAVAILABLE', ageSeconds: expect.any(Number) }]);
    });
    expect(logs).toContainEqual(expect.objectContaining({ service: 'notifications', outcome: 'DOWNSTREAM_UNAVAILABLE', downstream_status: 500 }));
  });

  test('a critical service failing is 503 with the codes and paths, and nothing names the service or what it answered', async () => {
    await whileFailing('users', { errorStatus: 503 }, async () => {
      const { status, body } = await post(bff, mobileToken, { documentId: HOME });
      expect(status).toBe(503);
      expect(body.data).toBeNull();
      expect(body.errors.length).toBeGreaterThan(1); // the refusal, then its causes
      expect(body.errors.map((error: { extensions: object; path?: unknown }) => ({ ...error.extensions, ...(error.path ? { path: error.path } : {}) }))).toEqual([
        { code: 'CRITICAL_DEPENDENCY_FAILED' },
        ...body.errors.slice(1).map((error: { path: unknown }) => ({ code: 'DOWNSTREAM_UNAVAILABLE', path: error.path })),
      ]);
      expect(JSON.stringify(body)).not.toMatch(/users|503|service"/);
    });
    expect(logs).toContainEqual(expect.objectContaining({ service: 'users', outcome: 'DOWNSTREAM_UNAVAILABLE', downstream_status: 503 }));
  });
});

describe('a development BFF keeps showing the detail', () => {
  test.each(TRANSPORTS)('on %s: the failed service, its status and its code are in extensions', async (_, fastLane) => {
    const { bff } = build(createMobileBff, fastLane);
    await whileFailing('my-list', { errorStatus: 409 }, async () => {
      const { body } = await post(bff, mobileToken, { documentId: ADD, variables: { contentId: 't_9' } });
      expect(body.errors[0]).toMatchObject({ message: expect.stringContaining('my-list'), extensions: { code: 'DOWNSTREAM_REJECTED', service: 'my-list' } });
    });
  });
});

describe.each(TRANSPORTS)('the response cache, on %s', (_, fastLane) => {
  test('keys on the variables as execution coerces them: two spellings of one input share one entry', async () => {
    const { bff } = build(createMobileBff, fastLane);
    // `$b` defaults to "t_2": sent or not, and in whichever order, it is the same input.
    const query = 'query Two($a: ID!, $b: ID = "t_2") { a: title(id: $a) { id } b: title(id: $b) { id } }';
    const first = await post(bff, mobileToken, { query, variables: { a: 't_1' } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ data: { a: { id: 't_1' }, b: { id: 't_2' } } });
    expect(first.headers.get('age')).toBeNull();
    const respelled = await post(bff, mobileToken, { query, variables: { b: 't_2', a: 't_1' } });
    expect(respelled.status).toBe(200);
    expect(respelled.headers.get('age')).not.toBeNull(); // from the cache
    expect(respelled.body).toEqual(first.body);
    // A throwaway variable cannot make a new entry: it is refused.
    expect((await post(bff, mobileToken, { query, variables: { a: 't_1', bust: 1 } })).status).toBe(400);
  });
});

describe.each(TRANSPORTS)("web's search, on %s", (_, fastLane) => {
  let bff: Bff;
  beforeAll(() => {
    ({ bff } = build(createWebBff, fastLane, { responseCache: false }));
  });
  const search = (after: string | undefined) => post(bff, webToken, { documentId: WEB_SEARCH, variables: { query: 'the', first: 2, ...(after === undefined ? {} : { after }) } });

  test.each([
    ['a forged cursor of 22 KB', Buffer.from(`v1:${'o'.repeat(16_000)}`).toString('base64url')],
    [`a cursor one character over ${MAX_CURSOR_LENGTH}`, 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
    ['a cursor outside the base64url alphabet', `${Buffer.from('v1:o:2').toString('base64url')}!!`],
    ['a cursor without the envelope', Buffer.from('o:2').toString('base64url')],
    ['a cursor holding a control character', Buffer.from('v1:o:2\n').toString('base64url')],
  ])('%s is a BAD_USER_INPUT field error, and the catalog is never called', async (_, after) => {
    const calls = catalog.seen.length;
    const { status, body } = await search(after);
    expect(status).toBe(200);
    expect(codesOf(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors[0].path).toEqual(['search']);
    expect(catalog.seen.slice(calls)).toEqual([]);
  });

  test('the cursor a page gave out opens the next page (control)', async () => {
    const page = await search(undefined);
    expect(page.status).toBe(200);
    const { endCursor, hasNextPage } = page.body.data.search.pageInfo;
    expect(hasNextPage).toBe(true);
    const next = await search(endCursor);
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data.search.edges[0].node.id).not.toBe(page.body.data.search.edges[0].node.id);
  });
});
