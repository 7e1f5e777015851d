import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { ClientName } from '../../bffs/clients.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { raw, type RawResponse } from '../support/raw-http.ts';
import { originOf } from '../support/served.ts';

/**
 * HTTP caching as a client, a browser or a CDN sees it, over real HTTP, on both paths: the fast
 * lane (POST, and GET and HEAD with `documentId`) and yoga's (`FAST_LANE=off`), each file of
 * assertions run on both. The response cache is off here (its own file), so every answer is
 * computed and the headers are the HTTP layer's alone.
 */
const HOME: Record<ClientName, string> = { mobile: 'MobileHome', tv: 'TvHome', web: 'WebHome' } as never;
const TV_DEVICE = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr' };

describe.each([
  ['on the fast lane', true],
  ["on yoga's path (FAST_LANE=off)", false],
] as const)('%s', (_, fastLane) => {
  let stack: TestStack;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({}, { config: { fastLane } });
    for (const sub of ['u_1', 'u_2', 'u_31']) tokens[sub] = await stack.mocks.token(sub);
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.mocks.clearFaults());

  function headersFor(client: ClientName, sub: string, extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${tokens[sub]}`, accept: 'application/graphql-response+json', ...(client === 'tv' ? TV_DEVICE : {}), ...extra };
  }

  async function get(client: ClientName, name: string, { sub = 'u_1', method = 'GET', headers = {}, variables }: { sub?: string; method?: string; headers?: Record<string, string>; variables?: object } = {}): Promise<RawResponse> {
    const query = new URLSearchParams({ documentId: documentId(client, name), ...(variables ? { variables: JSON.stringify(variables) } : {}) });
    return raw(`${await originOf(stack.bffs[client])}/graphql?${query}`, { method, headers: headersFor(client, sub, headers) });
  }

  async function post(client: ClientName, name: string, { sub = 'u_1', headers = {}, variables }: { sub?: string; headers?: Record<string, string>; variables?: object } = {}): Promise<RawResponse> {
    return raw(`${await originOf(stack.bffs[client])}/graphql`, {
      method: 'POST',
      headers: { ...headersFor(client, sub, headers), 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: documentId(client, name), variables }),
    });
  }

  const json = (response: RawResponse) => JSON.parse(response.body.toString('utf8'));

  describe('Cache-Control per client, on both paths', () => {
    const expected: [ClientName, string][] = [
      ['mobile', 'private, max-age=60'],
      ['tv', 'private, max-age=120'],
      ['web', 'private, no-cache'],
    ];
    test.each(expected)('%s home: %s, a strong ETag and Vary on what it depends on', async (client, cacheControl) => {
      for (const response of [await post(client, HOME[client]), await get(client, HOME[client])]) {
        expect(response.status).toBe(200);
        expect(json(response).errors).toBeUndefined();
        expect(response.headers['cache-control']).toBe(cacheControl);
        expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
        const vary = response.headers.vary!.split(', ');
        // Origin too, though this request had none: a shared cache keys the CORS headers on it.
        expect(vary).toEqual(expect.arrayContaining(['Origin', 'Authorization', 'X-Client-Version', 'Accept', 'Accept-Encoding']));
        expect(new Set(vary).size).toBe(vary.length);
        if (client === 'web') expect(vary).toContain('Cookie');
        if (client === 'tv') expect(vary).toEqual(expect.arrayContaining(['X-Device-Drm', 'X-Device-Capabilities']));
      }
      // The same answer on both paths: the same tag.
      expect((await post(client, HOME[client])).headers.etag).toBe((await get(client, HOME[client])).headers.etag);
    });

    test('web account revalidates too: private, no-cache', async () => {
      const response = await get('web', 'WebAccount');
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('private, no-cache');
    });

    test('a mutation is no-store and has no ETag', async () => {
      const response = await post('mobile', 'AddToMyList', { variables: { contentId: 't_9' } });
      expect(response.status).toBe(200);
      expect(json(response).data.addToMyList.contentId).toBe('t_9');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.etag).toBeUndefined();
    });

    test('refusals are no-store: 401, 400, 405, 404', async () => {
      const origin = await originOf(stack.mobile);
      const unauthenticated = await raw(`${origin}/graphql?documentId=${documentId('mobile', 'MobileHome')}`, { headers: { accept: 'application/json' } });
      expect(unauthenticated.status).toBe(401);
      const invalid = await raw(`${origin}/graphql`, { method: 'POST', headers: headersFor('mobile', 'u_1', { 'content-type': 'application/json' }), body: JSON.stringify({ query: '{ nope }' }) });
      expect(invalid.status).toBe(400);
      const mutationOverGet = await get('mobile', 'AddToMyList', { variables: { contentId: 't_1' } });
      expect(mutationOverGet.status).toBe(405);
      const unknownDocument = await raw(`${origin}/graphql?documentId=sha256:${'0'.repeat(64)}`, { headers: headersFor('mobile', 'u_1') });
      expect(unknownDocument.status).toBe(400);
      for (const response of [unauthenticated, invalid, mutationOverGet, unknownDocument]) expect(response.headers['cache-control']).toBe('no-store');
    });
  });

  describe('conditional requests', () => {
    test('GET with the current tag: 304 without a body, repeating Cache-Control, ETag and Vary', async () => {
      const first = await get('mobile', 'MobileHome');
      const again = await get('mobile', 'MobileHome', { headers: { 'if-none-match': first.headers.etag! } });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers['cache-control']).toBe('private, max-age=60');
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers.vary).toBe(first.headers.vary);
      // A list of tags, and a weak form of the tag, match too (RFC 9110's weak comparison).
      expect((await get('mobile', 'MobileHome', { headers: { 'if-none-match': `"other", W/${first.headers.etag}` } })).status).toBe(304);
      expect((await get('mobile', 'MobileHome', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    });

    test('HEAD: the headers a GET gets, no body; with the tag, 304', async () => {
      const full = await get('web', 'WebHome');
      const head = await get('web', 'WebHome', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers.etag).toBe(full.headers.etag);
      expect(head.headers['cache-control']).toBe('private, no-cache');
      expect(head.headers['content-length']).toBe(full.headers['content-length']);
      expect((await get('web', 'WebHome', { method: 'HEAD', headers: { 'if-none-match': full.headers.etag! } })).status).toBe(304);
    });

    test("viewer A's tag with viewer B's credentials gets B's full answer, never a 304", async () => {
      const a = await get('mobile', 'MobileHome', { sub: 'u_1' });
      const b = await get('mobile', 'MobileHome', { sub: 'u_2', headers: { 'if-none-match': a.headers.etag! } });
      expect(b.status).toBe(200);
      expect(b.headers.etag).not.toBe(a.headers.etag);
      expect(json(b).data.home.profile.name).not.toBe(json(a).data.home.profile.name);
    });

    test('a POST with the current tag: 412 PRECONDITION_FAILED (RFC 9110 13.1.2), never 304', async () => {
      const first = await post('mobile', 'MobileHome');
      const again = await post('mobile', 'MobileHome', { headers: { 'if-none-match': first.headers.etag! } });
      expect(again.status).toBe(412);
      expect(json(again).errors[0].extensions.code).toBe('PRECONDITION_FAILED');
      expect(again.headers['cache-control']).toBe('no-store');
    });
  });

  describe('compression', () => {
    test('brotli and gzip by Accept-Encoding, each with its own tag; none when not accepted', async () => {
      const plain = await get('mobile', 'MobileHome', { headers: { 'accept-encoding': 'identity' } });
      const br = await get('mobile', 'MobileHome', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      const gzip = await get('mobile', 'MobileHome', { headers: { 'accept-encoding': 'gzip' } });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(br.headers['content-encoding']).toBe('br');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
      expect(br.body.length).toBeLessThan(plain.body.length / 3);
      expect(new Set([plain.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3);
      // Each encoding revalidates with its own tag.
      expect((await get('mobile', 'MobileHome', { headers: { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! } })).status).toBe(304);
      expect((await get('mobile', 'MobileHome', { headers: { 'accept-encoding': 'br;q=0, gzip', 'if-none-match': br.headers.etag! } })).status).toBe(200);
    });

    test('the lane compresses too; a body under the threshold goes uncompressed', async () => {
      const br = await post('mobile', 'MobileHome', { headers: { 'accept-encoding': 'br' } });
      expect(br.headers['content-encoding']).toBe('br');
      const small = await post('mobile', 'AddToMyList', { headers: { 'accept-encoding': 'br' }, variables: { contentId: 't_9' } });
      expect(small.status).toBe(200);
      expect(small.headers['content-encoding']).toBeUndefined();
      expect(small.headers.vary ?? '').not.toContain('Accept-Encoding');
    });
  });

  // Last: its failures open the notifications breaker for a few seconds, which would degrade the homes above.
  describe('degraded answers', () => {
      test('a partial answer (a service failed) and a stale-marked one are no-store, with no ETag', async () => {
        await stack.mocks.setFaults('notifications', { errorStatus: 500 });
        // u_31 has had no home yet: its unread count is null with an error.
        for (const response of [await post('mobile', 'MobileHome', { sub: 'u_31' }), await get('mobile', 'MobileHome', { sub: 'u_31' })]) {
          expect(response.status).toBe(200);
          expect(json(response).errors.length).toBeGreaterThan(0);
          expect(response.headers['cache-control']).toBe('no-store');
          expect(response.headers.etag).toBeUndefined();
        }
        // u_1's earlier homes left a last good count: it is served stale, marked, and never stored.
        const stale = await get('mobile', 'MobileHome');
        expect(json(stale).extensions.stale[0]).toMatchObject({ path: ['home', 'unreadNotificationCount'], service: 'notifications' });
        expect(stale.headers['cache-control']).toBe('no-store');
        expect(stale.headers.etag).toBeUndefined();
      });
  });
});
