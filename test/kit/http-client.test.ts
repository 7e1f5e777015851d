import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DownstreamHttp } from '../../bffs/kit/downstream/http-client.ts';
import { Deadline } from '../../bffs/kit/resilience/deadline.ts';
import { ServiceGuard } from '../../bffs/kit/downstream/service-guard.ts';
import { MOBILE_POLICY } from '../../bffs/mobile/policy.ts';

const ORIGIN = 'http://catalog.test';
// One attempt, and a fresh guard per test whose breaker a few failures cannot open: these
// tests are about the mapping alone.
const POLICY = { ...MOBILE_POLICY, retry: { ...MOBILE_POLICY.retry, maxAttempts: 1 } };
const call = () => ({ credentials: { tokenFor: () => 'tok' }, requestId: 'req-1', deadline: Deadline.after(200) });

let agent: MockAgent;
let http: DownstreamHttp;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  http = new DownstreamHttp('catalog', ORIGIN, { guard: new ServiceGuard('catalog', POLICY), connections: 1, maxTimeoutMs: 200, dispatcher: agent.get(ORIGIN) });
});
afterEach(() => agent.close());

const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (e) => e);

describe('every downstream failure becomes a catalog error naming the service', () => {
  test('a JSON answer is parsed, and the token and request id go with the call', async () => {
    agent.get(ORIGIN).intercept({ path: '/titles/t_1', method: 'GET', headers: { authorization: 'Bearer tok', 'x-request-id': 'req-1' } }).reply(200, { id: 't_1' });
    expect(await http.json(call(), { route: '/titles/t_1' })).toEqual({ id: 't_1' });
  });

  test('a conditional GET sends the BFF\'s own If-None-Match, and a 304 is an answer with no body and its headers', async () => {
    agent.get(ORIGIN).intercept({ path: '/titles/t_1', method: 'GET', headers: { 'if-none-match': '"v1"', authorization: 'Bearer tok' } }).reply(304, '', { headers: { etag: '"v1"', 'cache-control': 'public, max-age=60' } });
    const answer = await http.answer(call(), { route: '/titles/t_1', headers: { 'if-none-match': '"v1"' } });
    expect([answer.status, answer.body, answer.header('etag'), answer.header('cache-control')]).toEqual([304, undefined, '"v1"', 'public, max-age=60']);
  });

  test('404 is NOT_FOUND with the downstream code kept', async () => {
    agent.get(ORIGIN).intercept({ path: '/titles/t_x' }).reply(404, { error: { code: 'NOT_FOUND', message: 'no' } });
    const error = await failure(http.json(call(), { route: '/titles/t_x' }));
    expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', service: 'catalog', downstreamCode: 'NOT_FOUND' });
  });

  test('5xx and 429 are DOWNSTREAM_UNAVAILABLE', async () => {
    for (const status of [500, 503, 429]) {
      agent.get(ORIGIN).intercept({ path: '/x' }).reply(status, 'busy');
      const error = await failure(http.json(call(), { route: '/x' }));
      expect(error.extensions).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', downstreamStatus: status });
    }
  });

  test('an unexpected 4xx is DOWNSTREAM_REJECTED', async () => {
    agent.get(ORIGIN).intercept({ path: '/x', method: 'POST' }).reply(400, { error: { code: 'BATCH_SIZE_INVALID', message: 'no' } });
    const error = await failure(http.json(call(), { method: 'POST', route: '/x', body: { ids: [] } }));
    expect(error.extensions).toMatchObject({ code: 'DOWNSTREAM_REJECTED', downstreamStatus: 400, downstreamCode: 'BATCH_SIZE_INVALID' });
  });

  test('a body that is not JSON is DOWNSTREAM_BAD_RESPONSE', async () => {
    agent.get(ORIGIN).intercept({ path: '/x' }).reply(200, '{"truncated": [1, ');
    expect((await failure(http.json(call(), { route: '/x' }))).extensions.code).toBe('DOWNSTREAM_BAD_RESPONSE');
  });

  test('a slow answer is DOWNSTREAM_TIMEOUT when the deadline passes, not after undici\'s default minutes', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow' }).reply(200, {}).delay(1_000);
    const started = performance.now();
    const error = await failure(http.json(call(), { route: '/slow' }));
    expect(error.extensions.code).toBe('DOWNSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(800);
  });

  test('a connection error is DOWNSTREAM_UNAVAILABLE', async () => {
    agent.get(ORIGIN).intercept({ path: '/x' }).replyWithError(new Error('socket hang up'));
    expect((await failure(http.json(call(), { route: '/x' }))).extensions.code).toBe('DOWNSTREAM_UNAVAILABLE');
  });
});
