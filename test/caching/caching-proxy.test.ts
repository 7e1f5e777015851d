import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { startNginx, type RunningNginx } from '../support/nginx.ts';
import { raw } from '../support/raw-http.ts';
import { originOf } from '../support/served.ts';

/**
 * Two viewers through a real caching proxy (Debian's nginx), as a CDN would sit in front of the
 * BFFs. Two ways of running it:
 * - `/honest/`: it follows the BFF's headers (and revalidates with the ETag);
 * - `/aggressive/`: told to keep every 200 for ten minutes whatever Cache-Control says, as a
 *   misconfigured CDN would. Then only `Vary` stands between one viewer and another's answer.
 * Neither may ever give one viewer's answer to the other.
 */
let stack: TestStack;
let nginx: RunningNginx;
const tokens: Record<string, string> = {};

const port = (origin: string) => new URL(origin).port;

beforeAll(async () => {
  // The response cache on: the BFF's own cache and the proxy's, stacked, as in production.
  stack = await startTestStack({}, { config: { responseCache: true } });
  for (const sub of ['u_1', 'u_2']) tokens[sub] = await stack.mocks.token(sub);
  const upstreams = { mobile: port(await originOf(stack.mobile)), web: port(await originOf(stack.web)) };
  nginx = await startNginx(
    (listen) => `
  proxy_cache_path {{prefix}}/cache keys_zone=bff:4m max_size=64m inactive=10m;
  server {
    listen 127.0.0.1:${listen};
    location = /__nginx_ready { return 204; }
    location ~ ^/plain/(mobile|web)(/graphql)$ {
      set $client $1;
      set $path $2;
      set $upstream_port ${upstreams.mobile};
      if ($client = web) { set $upstream_port ${upstreams.web}; }
      proxy_pass http://127.0.0.1:$upstream_port$path$is_args$args;
      proxy_http_version 1.1;
    }
    ${['honest', 'aggressive'].map((mode) => `
    location ~ ^/${mode}/(mobile|web)(/graphql)$ {
      set $client $1;
      set $path $2;
      set $upstream_port ${upstreams.mobile};
      if ($client = web) { set $upstream_port ${upstreams.web}; }
      proxy_pass http://127.0.0.1:$upstream_port$path$is_args$args;
      proxy_http_version 1.1;
      proxy_cache bff;
      proxy_cache_key "${mode} $client $args";
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
      ${mode === 'aggressive' ? 'proxy_ignore_headers Cache-Control Expires; proxy_cache_valid 200 10m;' : ''}
    }`).join('')}
  }`,
  );
});
afterAll(async () => {
  await nginx?.close();
  await stack?.close();
});

function through(mode: 'plain' | 'honest' | 'aggressive', client: 'mobile' | 'web', sub: string, headers: Record<string, string> = {}) {
  const id = documentId(client, client === 'mobile' ? 'MobileHome' : 'WebHome');
  return raw(`${nginx.origin}/${mode}/${client}/graphql?documentId=${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${tokens[sub]}`, accept: 'application/json', 'x-client-version': '1.1.0', ...headers },
  });
}

/** Whose home it is (mobile's profile names the viewer). */
const nameIn = (response: { body: Buffer }) => JSON.parse(response.body.toString('utf8')).data.home.profile.name as string;

describe('through nginx', () => {
  test.each(['mobile', 'web'] as const)('%s, honest proxy: private answers are never stored, each viewer gets their own', async (client) => {
    const a1 = await through('honest', client, 'u_1');
    const b = await through('honest', client, 'u_2');
    const a2 = await through('honest', client, 'u_1');
    for (const response of [a1, b, a2]) {
      expect(response.status).toBe(200);
      expect(response.headers['x-cache-status']).not.toBe('HIT');
    }
    expect(a2.body.equals(a1.body)).toBe(true);
    expect(b.body.equals(a1.body)).toBe(false);
    if (client === 'mobile') expect(nameIn(b)).not.toBe(nameIn(a1));
  });

  test("revalidating through a proxy: the viewer's own tag gets 304, another viewer's tag gets that viewer's full answer", async () => {
    // A proxy that passes conditionals on (nginx without proxy_cache) reaches the BFF's check.
    const a = await through('plain', 'mobile', 'u_1');
    const own = await through('plain', 'mobile', 'u_1', { 'if-none-match': a.headers.etag! });
    expect(own.status).toBe(304);
    expect(own.body.length).toBe(0);
    expect(own.headers.etag).toBe(a.headers.etag);
    for (const mode of ['plain', 'honest'] as const) {
      const other = await through(mode, 'mobile', 'u_2', { 'if-none-match': a.headers.etag! });
      expect(other.status).toBe(200);
      expect(nameIn(other)).not.toBe(nameIn(a));
    }
  });
});

describe('through a proxy that ignores Cache-Control', () => {
  test('Vary keeps viewers apart: the same viewer is served from the proxy, another viewer never is', async () => {
    const mode = 'aggressive';
    const a1 = await through(mode, 'mobile', 'u_1', { 'cache-control': 'no-cache' });
    expect(a1.status).toBe(200);
    const b = await through(mode, 'mobile', 'u_2');
    expect(b.status).toBe(200);
    expect(nameIn(b)).not.toBe(nameIn(a1));
    const b2 = await through(mode, 'mobile', 'u_2');
    expect(b2.headers['x-cache-status']).toBe('HIT'); // the proxy does keep answers
    expect(nameIn(b2)).toBe(nameIn(b));
    const a2 = await through(mode, 'mobile', 'u_1');
    expect(nameIn(a2)).toBe(nameIn(a1));
  });
});
