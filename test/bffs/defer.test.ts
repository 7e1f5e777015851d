import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEB_PERIMETER } from '../../bffs/web/policy.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { assemble, postStreamed, type StreamedAnswer } from '../support/multipart.ts';
import { originOf } from '../support/served.ts';

/**
 * @defer over real HTTP (bffs/kit/execution/incremental.ts): web defers its home's average ratings
 * and TV its DRM licences, so the rest of the screen arrives first. Asked with
 * `Accept: multipart/mixed` the answer comes in parts; asked for JSON it comes whole, the same
 * data. The requests go to the BFF's listening port, so the fast lane sees them first and hands
 * the streamed ones to yoga.
 */

const MULTIPART = 'multipart/mixed; deferSpec=20220824, application/json';
/** A refusal is one JSON answer; under graphql-response+json (not legacy JSON) it carries its 400. */
const MULTIPART_OR_GRAPHQL_RESPONSE = 'multipart/mixed; deferSpec=20220824, application/graphql-response+json';
const operation = (client: string, name: string) => readFileSync(new URL(`../../bffs/${client}/operations/${name}.graphql`, import.meta.url), 'utf8');
const WEB_HOME = operation('web', 'WebHome');
const TV_HOME = operation('tv', 'TvHome');
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };

describe('@defer', () => {
  let stack: TestStack;
  const origins: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack();
    for (const client of ['web', 'tv', 'mobile'] as const) origins[client] = await originOf(stack[client]);
    tokens.u_1 = await stack.mocks.token('u_1');
    tokens.u_6 = await stack.mocks.token('u_6');
    tokens.u_7 = await stack.mocks.token('u_7');
    tokens.u_8 = await stack.mocks.token('u_8');
  });
  afterAll(() => stack?.close());
  afterEach(() => stack.mocks.clearFaults());

  const post = (client: string, accept: string, body: unknown, { sub = 'u_1', headers = {} }: { sub?: string; headers?: Record<string, string> } = {}): Promise<StreamedAnswer> =>
    postStreamed(`${origins[client]}/graphql`, { accept, authorization: `Bearer ${tokens[sub]}`, ...headers }, body);

  const items = (data: any): any[] => data.home.rows.flatMap((row: any) => row.items);

  it("a streamed answer gives back its viewer's in-flight slot after its last part: more streamed homes, one after another, than the viewer may have in flight, all served", async () => {
    for (let i = 0; i <= WEB_PERIMETER.inFlight.viewer; i++) {
      const streamed = await post('web', MULTIPART, { documentId: documentId('web', 'WebHome') }, { sub: 'u_8' });
      expect(streamed.status, JSON.stringify(streamed.parts[0]?.body.errors)).toBe(200);
      expect(streamed.parts.at(-1)!.body.hasNext).toBe(false);
    }
  });

  it('web home: the grid first, without ratings; then every rating at its path; assembled, exactly the JSON answer', async () => {
    const streamed = await post('web', MULTIPART, { documentId: documentId('web', 'WebHome') });
    expect(streamed.status).toBe(200);
    expect(streamed.headers['content-type']).toBe('multipart/mixed; boundary="-"');
    // The perimeter ran: the request id and the rate-limit headers are on the streamed answer too.
    expect(streamed.headers['x-request-id']).toEqual(expect.any(String));
    expect(streamed.headers.ratelimit).toEqual(expect.any(String));

    const [first, ...rest] = streamed.parts;
    expect(first!.body.hasNext).toBe(true);
    expect(first!.body.errors).toBeUndefined();
    const firstItems = items(first!.body.data);
    expect(firstItems.length).toBeGreaterThan(10);
    for (const item of firstItems) {
      expect(item).not.toHaveProperty('averageRating');
      expect(item.title).toEqual(expect.any(String));
    }
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.at(-1)!.body.hasNext).toBe(false);
    const deferred = rest.flatMap((part) => part.body.incremental ?? []);
    // One deferred part per item, each labelled, at its item's path, holding only the rating (and
    // the __typename codegen adds to every selection set, the deferred one too, for a normalised cache).
    expect(deferred).toHaveLength(firstItems.length);
    for (const part of deferred) {
      expect(part.label).toBe('ratings');
      expect(part.path).toEqual(['home', 'rows', expect.any(Number), 'items', expect.any(Number)]);
      expect(Object.keys(part.data)).toEqual(['averageRating', '__typename']);
    }

    const whole = await post('web', 'application/graphql-response+json', { documentId: documentId('web', 'WebHome') });
    expect(whole.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
    expect(whole.parts).toHaveLength(1);
    expect(whole.parts[0]!.body).not.toHaveProperty('hasNext');
    expect(assemble(streamed.parts)).toEqual(whole.parts[0]!.body);
    expect(items(whole.parts[0]!.body.data).every((item) => 'averageRating' in item)).toBe(true);
  });

  it('web home with a slow reviews service: the grid arrives before the ratings, while a JSON client waits for all of it', async () => {
    // Slow, but inside web's budget for a non-critical read (750 ms): later than that, the
    // ratings would fail (the budgets test).
    await stack.mocks.setFaults('reviews', { latencyMs: 500 });
    const streamed = await post('web', MULTIPART, { query: WEB_HOME });
    const [first] = streamed.parts;
    const last = streamed.parts.at(-1)!;
    expect(last.atMs - first!.atMs).toBeGreaterThan(300);
    expect(last.atMs).toBeGreaterThanOrEqual(500);

    const whole = await post('web', 'application/json', { query: WEB_HOME });
    expect(whole.parts[0]!.atMs).toBeGreaterThanOrEqual(500);
    expect(assemble(streamed.parts)).toEqual(whole.parts[0]!.body);
  });

  it('web home with reviews failing: the grid is whole, and each rating part carries a masked, coded error', async () => {
    await stack.mocks.setFaults('reviews', { errorStatus: 500, errorRate: 1 });
    // u_7 has had no home yet: u_1 would be given its last good ratings (stale-if-error).
    const streamed = await post('web', MULTIPART, { query: WEB_HOME }, { sub: 'u_7' });
    expect(streamed.status).toBe(200);
    const [first, ...rest] = streamed.parts;
    expect(first!.body.errors).toBeUndefined();
    expect(items(first!.body.data).length).toBeGreaterThan(10);
    const failed = rest.flatMap((part) => part.body.incremental ?? []).filter((part: any) => part.errors);
    expect(failed.length).toBeGreaterThan(0);
    for (const part of failed) {
      expect(part.data).toEqual({ averageRating: null });
      for (const error of part.errors) {
        expect(error.extensions.code).toMatch(/^[A-Z_]+$/);
        expect(error.extensions).not.toHaveProperty('http');
        expect(JSON.stringify(error)).not.toMatch(/stack|originalError/);
      }
    }
    // The same failure, asked for JSON, is the same data and the same codes.
    const whole = await post('web', 'application/json', { query: WEB_HOME }, { sub: 'u_7' });
    expect(assemble(streamed.parts).data).toEqual(whole.parts[0]!.body.data);
  });

  it('tv home: the rows first, then the licences; assembled, exactly the JSON answer', async () => {
    const headers = FULL_TV;
    const streamed = await post('tv', MULTIPART, { documentId: documentId('tv', 'TvHome') }, { sub: 'u_6', headers });
    expect(streamed.status).toBe(200);
    const [first, ...rest] = streamed.parts;
    expect(first!.body.data.home.drmSystem).toBe('PLAYREADY');
    for (const item of items(first!.body.data)) expect(item).not.toHaveProperty('drmLicenseUrl');
    const deferred = rest.flatMap((part) => part.body.incremental ?? []);
    expect(deferred.map((part: any) => part.label)).toEqual(deferred.map(() => 'drm'));
    expect(deferred.some((part: any) => typeof part.data.drmLicenseUrl === 'string')).toBe(true);

    const whole = await post('tv', 'application/json', { documentId: documentId('tv', 'TvHome') }, { sub: 'u_6', headers });
    expect(assemble(streamed.parts)).toEqual(whole.parts[0]!.body);
  });

  it('mobile offers no @defer: its schema does not declare it, so the document does not validate', async () => {
    const answer = await post('mobile', MULTIPART_OR_GRAPHQL_RESPONSE, { query: '{ home { rows { id ... @defer { title } } } }' });
    expect(answer.status).toBe(400);
    expect(answer.parts[0]!.body.errors).toEqual([expect.objectContaining({ message: 'Unknown directive "@defer".', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
  });

  it("yoga's defer rules hold: not on a mutation's root, and labels unique; a refused mutation never reaches my-list", async () => {
    await stack.mocks.resetCounters();
    const root = await post('web', MULTIPART_OR_GRAPHQL_RESPONSE, { query: 'mutation { ... @defer { addToMyList(contentId: "t_42") { changed } } }' });
    expect(root.status).toBe(400);
    expect(root.parts[0]!.body.errors[0]).toMatchObject({ message: 'Defer directive cannot be used on root mutation type "Mutation".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect((await stack.mocks.counters('my-list')).total).toBe(0);

    const labels = await post('web', MULTIPART_OR_GRAPHQL_RESPONSE, { query: '{ home { rows { id ... @defer(label: "a") { title } ... @defer(label: "a") { items { id } } } } }' });
    expect(labels.status).toBe(400);
    expect(labels.parts[0]!.body.errors[0]).toMatchObject({ message: expect.stringMatching(/label/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('@defer(if: false) streams nothing: one part with everything', async () => {
    const answer = await post('web', MULTIPART, { query: '{ home { rows { id ... @defer(if: false) { title } } } }' });
    expect(answer.status).toBe(200);
    expect(answer.parts).toHaveLength(1);
    expect(answer.parts[0]!.body.data.home.rows[0].title).toEqual(expect.any(String));
  });

  it('a client that hangs up mid-stream leaves the BFF serving', async () => {
    await stack.mocks.setFaults('reviews', { latencyMs: 2_000 });
    const controller = new AbortController();
    const { request } = await import('undici');
    const res = await request(`${origins.web}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: MULTIPART, authorization: `Bearer ${tokens.u_1}` },
      body: JSON.stringify({ query: WEB_HOME }),
      signal: controller.signal,
    });
    const reader = res.body[Symbol.asyncIterator]();
    await reader.next(); // the first part is here; the ratings are 2 s away
    controller.abort();
    await stack.mocks.clearFaults();
    const next = await post('web', 'application/json', { query: WEB_HOME });
    expect(next.status).toBe(200);
    expect(next.parts[0]!.body.errors).toBeUndefined();
  });
});
