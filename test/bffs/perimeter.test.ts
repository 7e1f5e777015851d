import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { startTestStack, testConfig, type TestStack } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { startRecorder } from '../support/recorder.ts';
import { fetchOver } from '../support/served.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

async function post(bff: Bff, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const codesOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.map((e) => e.extensions?.code);

describe('tokens', () => {
  test('a request without a token is refused with 401 UNAUTHENTICATED', async () => {
    const { status, body } = await post(stack.mobile, { query: '{ home { downloadEnabled } }' });
    expect(status).toBe(401);
    expect(codesOf(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.data).toBeUndefined();
  });

  test('a malformed or forged token is refused with 401 INVALID_TOKEN', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer not-a-jwt', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2ln']) {
      const { status, body } = await post(stack.mobile, { query: '{ home { downloadEnabled } }' }, { authorization });
      expect(status).toBe(401);
      expect(codesOf(body)).toEqual(['INVALID_TOKEN']);
    }
  });

  test('an expired token is refused with 401 TOKEN_EXPIRED', async () => {
    const token = await stack.mocks.token('u_1', { ttlSeconds: -60 });
    const { status, body } = await post(stack.web, { query: '{ home { hero { id } } }' }, { authorization: `Bearer ${token}` });
    expect(status).toBe(401);
    expect(codesOf(body)).toEqual(['TOKEN_EXPIRED']);
  });

  test('the viewer is the token subject: two users see their own profile', async () => {
    const one = await stack.graphql(stack.mobile, '{ home { profile { name } } }', { sub: 'u_1' });
    const two = await stack.graphql(stack.mobile, '{ home { profile { name } } }', { sub: 'u_2' });
    expect(one.body.data.home.profile.name).not.toEqual(two.body.data.home.profile.name);
  });
});

describe('documents', () => {
  test('a syntax error answers GRAPHQL_PARSE_FAILED: 400 for graphql-response+json, 200 for legacy JSON (the spec)', async () => {
    for (const [accept, expected] of [['application/graphql-response+json', 400], ['application/json', 200], ['*/*', 200]] as const) {
      const { status, body } = await post(stack.mobile, { query: '{ home { ' }, { accept });
      expect(status).toBe(expected);
      expect(codesOf(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(body.data).toBeUndefined();
    }
  });

  test('a field from another client schema answers 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const token = await stack.mocks.token();
    const { status, body } = await post(stack.mobile, { query: '{ account { email } }' }, { authorization: `Bearer ${token}` });
    expect(status).toBe(400);
    expect(codesOf(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors[0].message).toContain('account');
  });

  test('a body that is not JSON answers 400 and the server keeps serving', async () => {
    const { status } = await post(stack.mobile, '{"query": ');
    expect(status).toBe(400);
    const after = await stack.graphql(stack.mobile, '{ home { downloadEnabled } }');
    expect(after.status).toBe(200);
  });

  test('a client that accepts neither JSON media type gets 406', async () => {
    const token = await stack.mocks.token();
    const { status } = await post(stack.mobile, { query: '{ home { downloadEnabled } }' }, { accept: 'text/xml', authorization: `Bearer ${token}` });
    expect(status).toBe(406);
  });

  test('responses use the application/graphql-response+json media type when asked', async () => {
    const { headers } = await stack.graphql(stack.mobile, '{ home { downloadEnabled } }');
    expect(headers.get('content-type')).toContain('application/graphql-response+json');
  });
});

describe('entities that do not exist', () => {
  test('an unknown title is null with NOT_FOUND, not a 500', async () => {
    for (const [bff, query] of [
      [stack.mobile, '{ title(id: "t_999999") { id } }'],
      [stack.web, '{ title(id: "t_999999") { id } }'],
      [stack.tv, '{ title(id: "t_999999") { contentId } }'],
    ] as const) {
      const { status, body } = await stack.graphql(bff, query);
      expect(status).toBe(200);
      expect(body.data).toEqual({ title: null });
      expect(body.errors).toMatchObject([{ path: ['title'], extensions: { code: 'NOT_FOUND' } }]);
    }
  });

  test('a mutation on an unknown title says the list was not changed', async () => {
    const before = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    const { status, body } = await stack.graphql(stack.mobile, operation('mobile', 'AddToMyList'), { variables: { contentId: 't_nope' } });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toMatchObject([{ path: ['addToMyList'], extensions: { code: 'NOT_FOUND', contentId: 't_nope' } }]);
    expect(body.errors[0].message).toContain('not changed');
    const after = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    expect(after.body.data.home.rows).toEqual(before.body.data.home.rows);
  });

  test('adding and removing are idempotent and report whether anything changed', async () => {
    const add = () => stack.graphql(stack.web, operation('web', 'AddToMyList'), { variables: { contentId: 't_4242' }, sub: 'u_9' });
    const remove = () => stack.graphql(stack.web, operation('web', 'RemoveFromMyList'), { variables: { contentId: 't_4242' }, sub: 'u_9' });
    expect((await add()).body.data.addToMyList).toEqual({ contentId: 't_4242', inMyList: true, changed: true });
    expect((await add()).body.data.addToMyList).toEqual({ contentId: 't_4242', inMyList: true, changed: false });
    expect((await remove()).body.data.removeFromMyList).toEqual({ contentId: 't_4242', inMyList: false, changed: true });
    expect((await remove()).body.data.removeFromMyList).toEqual({ contentId: 't_4242', inMyList: false, changed: false });
  });

  test('bad paging arguments answer BAD_USER_INPUT; beside other data it is a field error and the status stays 200', async () => {
    // search is non-null, so its error nulls all of data; it executed all the same, so 200 (the spec).
    const tooMany = await stack.graphql(stack.web, '{ search(query: "moon", first: 60) { totalCount } }');
    expect(tooMany.status).toBe(200);
    expect(tooMany.body.data).toBeNull();
    expect(codesOf(tooMany.body)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await stack.graphql(stack.web, '{ search(query: "moon", after: "garbage") { totalCount } }');
    expect(codesOf(badCursor.body)).toEqual(['BAD_USER_INPUT']);
    // reviews is nullable: the title is served, the reviews field is null with its code, and it is 200.
    const reviews = await stack.graphql(stack.web, '{ title(id: "t_1") { title reviews(first: 60) { totalCount } } }');
    expect(reviews.status).toBe(200);
    expect(reviews.body.data.title).toEqual({ title: expect.any(String), reviews: null });
    expect(codesOf(reviews.body)).toEqual(['BAD_USER_INPUT']);
  });

  test('a page size armor prices over the cost limit is refused whole, before any call', async () => {
    const tooCostly = await stack.graphql(stack.web, '{ search(query: "moon", first: 500) { edges { node { id title synopsis } } } }');
    expect(tooCostly.status).toBe(400);
    expect(tooCostly.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost' });
  });

  test('an unknown DRM system header is refused with 400 BAD_USER_INPUT', async () => {
    const { status, body } = await stack.graphql(stack.tv, '{ home { drmSystem } }', { headers: { 'x-device-drm': 'betamax' } });
    expect(status).toBe(400);
    expect(codesOf(body)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('what reaches downstream', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let bff: Bff;

  beforeAll(async () => {
    recorder = await startRecorder(stack.mocks.urls.users);
    bff = createMobileBff(testConfig({ ...stack.mocks.urls, users: recorder.url }), { logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await bff.close();
    await recorder.close();
  });

  test("only the service's own token and the request id go downstream, never the client's token, cookies or other client headers", async () => {
    const token = await stack.mocks.token('u_1');
    const response = await post(bff, { query: '{ home { profile { name } } }' }, {
      authorization: `Bearer ${token}`,
      cookie: 'session=secret',
      'x-request-id': 'req-123',
      'x-forwarded-for': '10.0.0.1',
      'user-agent': 'MobileApp/1.0',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const sent = recorder.seen.at(-1)!.headers;
    // Not the client's token: the one identity exchanged it for, for users alone, naming the BFF.
    expect(sent.authorization).not.toBe(`Bearer ${token}`);
    expect(decodeJwt(sent.authorization!.replace(/^Bearer /, ''))).toMatchObject({ sub: 'u_1', aud: 'urn:concierge:service:users', scope: 'concierge:users', act: { sub: 'mobile-bff' } });
    expect(sent['x-request-id']).toBe('req-123');
    expect(sent.cookie).toBeUndefined();
    expect(sent['x-forwarded-for']).toBeUndefined();
    expect(sent['user-agent']).not.toBe('MobileApp/1.0');
  });

  test('a request without an id gets a fresh one, echoed to the client and sent downstream', async () => {
    const token = await stack.mocks.token('u_1');
    const response = await post(bff, { query: '{ home { profile { name } } }' }, { authorization: `Bearer ${token}` });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(recorder.seen.at(-1)!.headers['x-request-id']).toBe(id);
  });
});

describe('health', () => {
  test('/health answers without a token and /ready once identity can verify tokens', async () => {
    expect((await stack.mobile.fetch('http://bff/health')).status).toBe(200);
    expect((await stack.mobile.fetch('http://bff/ready')).status).toBe(200);
  });

  test('/ready is 503 when identity is unreachable', async () => {
    const bff = createMobileBff(testConfig({ ...stack.mocks.urls, identity: 'http://127.0.0.1:1' }), { logger: pino({ level: 'silent' }) });
    expect((await bff.fetch('http://bff/ready')).status).toBe(503);
    expect((await bff.fetch('http://bff/health')).status).toBe(200);
    await bff.close();
  });
});
