import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { pageHostRefusal } from '../../bffs/kit/graphiql/plugin.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { originOf } from '../support/served.ts';

/**
 * How GraphiQL's 9 MB reaches a browser, over real HTTP (undici's `request`, which never decodes,
 * so the bytes on the wire are what is measured): a small page per viewer that no cache keeps,
 * and static assets at content-hashed URLs, compressed and cacheable for a year.
 */
describe('GraphiQL delivery', () => {
  let mocks: TestMocks;
  let bff: Bff;
  let origin: string;

  beforeAll(async () => {
    mocks = await startTestMocks();
    bff = createMobileBff(testConfig(mocks.urls), { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) });
    origin = await originOf(bff);
  });
  afterAll(async () => {
    await bff?.close();
    await mocks?.close();
  });

  async function page(path = '/graphql') {
    const res = await request(`${origin}${path}`, { headers: { accept: 'text/html', 'accept-encoding': 'br, gzip' } });
    return { status: res.statusCode, headers: res.headers, html: await res.body.text() };
  }

  function assetPaths(html: string): string[] {
    return [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map(([, path]) => path!);
  }

  it('the page is a few kilobytes, holds the viewer token, and is never stored', async () => {
    const { status, headers, html } = await page('/graphql?as=u_7');
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['cache-control']).toBe('no-store');
    expect(Buffer.byteLength(html)).toBeLessThan(20_000);
    expect(html).toContain('Bearer ');
    expect(html).toContain('Development token</strong> for <code>u_7</code>');
    expect(assetPaths(html)).toEqual([expect.stringMatching(/^\/graphiql\/favicon\.[0-9a-f]{16}\.ico$/), expect.stringMatching(/^\/graphiql\/graphiql\.[0-9a-f]{16}\.css$/), expect.stringMatching(/^\/graphiql\/graphiql\.[0-9a-f]{16}\.js$/)]);
  });

  it('the page (and its token) is served only to a Host the BFF listens as: a DNS-rebinding name is 403 DEV_PAGE_HOST_REFUSED, and no token is minted', async () => {
    const port = new URL(origin).port;
    const asHost = async (host: string) => {
      const res = await request(`${origin}/graphql`, { headers: { accept: 'text/html', host } });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'localhost']) {
      const served = await asHost(host);
      expect({ host, status: served.status }).toEqual({ host, status: 200 });
      expect(served.text).toContain('Bearer ');
    }
    await mocks.resetCounters();
    // A valid name of another site is the page's own refusal; a Host that is no host at all is refused at the door, before any route.
    const refusals = [
      ...[`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `localhost.:${port}`].map((host) => ({ host, status: 403, code: 'DEV_PAGE_HOST_REFUSED' })),
      { host: '[::1]@evil.example', status: 400, code: 'INVALID_HOST' },
    ];
    for (const { host, status, code } of refusals) {
      const refused = await asHost(host);
      expect({ host, status: refused.status }).toEqual({ host, status });
      expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe(code);
      expect(refused.text).not.toMatch(/Bearer|eyJ/);
    }
    // Refused before identity was asked for a token.
    expect((await mocks.counters('identity')).routes['POST /dev/token'] ?? 0).toBe(0);
  });

  it('the configured HOST is served too, as a Host header names it (an IPv6 address in brackets)', () => {
    const served = new Set(['127.0.0.1', 'localhost', '[::1]', 'devbox.test', '[fd00::1]']);
    expect(pageHostRefusal('devbox.test:4001', served)).toBeUndefined();
    expect(pageHostRefusal('[fd00::1]:4001', served)).toBeUndefined();
    expect(pageHostRefusal('devbox.test.evil.example', served)?.status).toBe(403);
    expect(pageHostRefusal(null, served)?.status).toBe(403);
  });

  it('the JS is sent brotli (or gzip) compressed, immutable for a year, and decodes to the bytes sent uncompressed', { timeout: 120_000 }, async () => {
    const js = assetPaths((await page()).html).find((path) => path.endsWith('.js'))!;
    const plain = await request(`${origin}${js}`);
    const plainBody = Buffer.from(await plain.body.arrayBuffer());
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plainBody.length).toBeGreaterThan(5_000_000);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');

    for (const [encoding, decode, atMost] of [
      ['br', brotliDecompressSync, 0.25],
      ['gzip', gunzipSync, 0.35],
    ] as const) {
      const res = await request(`${origin}${js}`, { headers: { 'accept-encoding': encoding } });
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(Number(res.headers['content-length'])).toBe(body.length);
      expect(body.length / plainBody.length).toBeLessThan(atMost);
      expect(decode(body).equals(plainBody)).toBe(true);
    }
  });

  it('a revalidation with the ETag is a bodiless 304; a changed or unknown asset is not served from the old name', async () => {
    const css = assetPaths((await page()).html).find((path) => path.endsWith('.css'))!;
    const first = await request(`${origin}${css}`, { headers: { 'accept-encoding': 'gzip' } });
    await first.body.arrayBuffer();
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{16}-gzip"$/);

    const again = await request(`${origin}${css}`, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(await again.body.text()).toBe('');

    const stale = await request(`${origin}/graphiql/graphiql.0000000000000000.css`);
    expect(stale.statusCode).toBe(404);
    expect(await stale.body.json()).toMatchObject({ errors: [{ extensions: { code: 'ROUTE_NOT_FOUND' } }] });
  });
});
