import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig, DownstreamUrls } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { SERVICES_BEHIND_BFFS, startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startRecorder } from '../support/recorder.ts';
import { fetchOver } from '../support/served.ts';
import { graphqlWithCookie, signIn, startSignInStack } from '../support/sign-in.ts';

/**
 * Issue 27, part 1: no service ever sees a client's token. The BFFs exchange the viewer's token
 * at identity for one per service (RFC 8693), read the public catalog as themselves (client
 * credentials), keep what they got per viewer and service, and answer 503 IDENTITY_UNAVAILABLE
 * only to a viewer they hold no token for while identity is down.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EXCHANGE = 'POST /token grant_type=urn:ietf:params:oauth:grant-type:token-exchange';
const OWN = 'POST /token grant_type=client_credentials';
const TV_HEADERS = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos' };
/** The client each BFF acts as at identity (the `act` of what it exchanges, the subject of its own tokens). */
const ACTOR = { mobile: 'mobile-bff', web: 'web', tv: 'tv' } as const;

type Recorder = Awaited<ReturnType<typeof startRecorder>>;
const opened: Bff[] = [];
afterAll(async () => {
  await Promise.all(opened.map((bff) => bff.close()));
});

const factories = { mobile: createMobileBff, web: createWebBff, tv: createTvBff };

/** One SearchTitles call to the search service over gRPC, as any gRPC client makes it: its error, if any. */
async function searchOverGrpc(url: string, bearer: string): Promise<grpc.ServiceError | null> {
  const definition = protoLoader.loadSync('downstream-mocks/proto/search.proto', { longs: Number, enums: String, defaults: true, oneofs: true });
  const TitleSearch = grpc.makeClientConstructor(definition['concierge.search.v1.TitleSearch'] as grpc.ServiceDefinition, 'TitleSearch');
  const client = new TitleSearch(new URL(url).host, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 }) as unknown as grpc.Client & { SearchTitles: Function };
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${bearer}`);
  try {
    return await new Promise((resolve) => client.SearchTitles({ query: 'moon' }, metadata, { deadline: Date.now() + 5_000 }, (error: grpc.ServiceError | null) => resolve(error)));
  } finally {
    client.close();
  }
}
function bffOf(client: keyof typeof factories, urls: DownstreamUrls, config: Partial<BffConfig> = {}, options: { serviceTokenPrefix?: string } = {}): Bff {
  const bff = factories[client](testConfig(urls, { titleCacheMb: 0, ...config }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
    ...options,
  });
  opened.push(bff);
  return bff;
}

async function ask(bff: Bff, token: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const exchanges = async (mocks: TestMocks) => (await mocks.counters('identity')).details?.[EXCHANGE] ?? 0;

describe('what the services are sent (a recorder in front of every service)', () => {
  let mocks: TestMocks;
  let recorders: Record<string, Recorder>;
  let urls: DownstreamUrls;
  beforeAll(async () => {
    mocks = await startTestMocks();
    recorders = Object.fromEntries(await Promise.all(SERVICES_BEHIND_BFFS.map(async (service) => [service, await startRecorder(mocks.urls[service])] as const)));
    urls = { ...mocks.urls, ...Object.fromEntries(SERVICES_BEHIND_BFFS.map((service) => [service, recorders[service]!.url])) } as DownstreamUrls;
  });
  afterAll(async () => {
    await Promise.all(Object.values(recorders ?? {}).map((recorder) => recorder.close()));
    await mocks?.close();
  });

  test.each([
    ['mobile', 'MobileHome', 'mobile', {}],
    ['web', 'WebHome', 'web', {}],
    ['tv', 'TvHome', 'tv', TV_HEADERS],
  ] as const)("%s: every call of a home, and of a write, carries a token for that service alone, never a BFF's", async (client, home, aud, headers) => {
    for (const recorder of Object.values(recorders)) recorder.seen.length = 0;
    const bff = bffOf(client, urls);
    const clientToken = await mocks.token('u_7', { aud });
    const answered = await ask(bff, clientToken, operation(client, home), headers);
    expect(answered.status, JSON.stringify(answered.body.errors)).toBe(200);
    expect(answered.body.errors).toBeUndefined();
    if (client !== 'tv') {
      const write = await ask(bff, clientToken, 'mutation { addToMyList(contentId: "t_42") { inMyList } }');
      expect(write.body, JSON.stringify(write.body)).toEqual({ data: { addToMyList: { inMyList: true } } });
    }

    const seen = Object.entries(recorders).flatMap(([service, recorder]) => recorder.seen.map((request) => ({ service, request })));
    expect(new Set(seen.map(({ service }) => service)).size).toBeGreaterThanOrEqual(5);
    for (const { service, request } of seen) {
      const token = request.headers.authorization!.replace(/^Bearer /, '');
      expect(token).not.toBe(clientToken);
      const claims = decodeJwt(token);
      // Never a BFF's audience (concierge-web, -mobile, -tv) nor development's (concierge).
      expect([claims.aud].flat(), `${service} ${request.url}`).toEqual([`urn:concierge:service:${service}`]);
      expect(claims.scope).toBe(`concierge:${service}`);
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
      if (service === 'catalog') {
        // Public data, read as the BFF itself: the same token whoever the viewer is.
        expect(claims).toMatchObject({ sub: ACTOR[client], client_id: ACTOR[client] });
        expect(claims.act).toBeUndefined();
      } else {
        expect(claims).toMatchObject({ sub: 'u_7', act: { sub: ACTOR[client] }, client_id: ACTOR[client] });
      }
    }
  });

  test("a client's token sent straight to a service is refused, at every service", async () => {
    const clientToken = await mocks.token('u_7', { aud: 'mobile' });
    const route: Record<string, string> = { catalog: '/titles/t_1', reviews: '/reviews?titleId=t_1', notifications: '/notifications/u_7/unread-count' };
    for (const service of SERVICES_BEHIND_BFFS) {
      if (service === 'search') {
        // Search speaks gRPC: the same refusal as its status, UNAUTHENTICATED with INVALID_TOKEN.
        const refused = await searchOverGrpc(mocks.urls.search, clientToken);
        expect(refused, service).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('INVALID_TOKEN') });
        continue;
      }
      const playback = service === 'playback';
      const res = await fetch(`${mocks.urls[service]}${playback ? '/playback/licenses' : (route[service] ?? `/${service}/u_7`)}`, {
        method: playback ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
        body: playback ? JSON.stringify({ contentIds: ['t_1'], drmSystem: 'widevine' }) : undefined,
      });
      expect(res.status, service).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
    }
  });
});

describe('exchanged tokens are kept per viewer and service', () => {
  let mocks: TestMocks;
  beforeAll(async () => {
    mocks = await startTestMocks({ SERVICE_TOKEN_TTL_SECONDS: '3' });
  });
  afterAll(() => mocks?.close());

  test('a warm viewer exchanges nothing; 6 homes at once for a cold one make one exchange per service', async () => {
    const bff = bffOf('mobile', mocks.urls);
    const token = await mocks.token('u_21', { aud: 'mobile' });
    await mocks.resetCounters();
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask(bff, token, operation('mobile', 'MobileHome'))));
    expect(answers.map((answer) => answer.status), JSON.stringify(answers.find((answer) => answer.status !== 200)?.body)).toEqual(answers.map(() => 200));
    // users, continue-watching, my-list, recommendations, notifications: the catalog is the BFF's own.
    expect(await exchanges(mocks)).toBe(5);
    await ask(bff, token, operation('mobile', 'MobileHome'));
    expect(await exchanges(mocks)).toBe(5);
    // Another viewer has tokens of their own.
    await ask(bff, await mocks.token('u_22', { aud: 'mobile' }), operation('mobile', 'MobileHome'));
    expect(await exchanges(mocks)).toBe(10);
  });

  test('a kept token is asked for again shortly before it expires, not after', async () => {
    const bff = bffOf('mobile', mocks.urls);
    const token = await mocks.token('u_23', { aud: 'mobile' });
    await ask(bff, token, '{ home { profile { name } } }');
    await mocks.resetCounters();
    await ask(bff, token, '{ home { profile { name } } }');
    expect(await exchanges(mocks)).toBe(0);
    // 3 s tokens are renewed a quarter of their life before they end: from 2.25 s on.
    await new Promise((resolve) => setTimeout(resolve, 2_400));
    const renewed = await ask(bff, token, '{ home { profile { name } } }');
    expect(renewed.status).toBe(200);
    expect(await exchanges(mocks)).toBe(1);
  });
});

describe('when identity does not answer', () => {
  let mocks: TestMocks;
  let bff: Bff;
  beforeAll(async () => {
    mocks = await startTestMocks();
    bff = bffOf('mobile', mocks.urls);
  });
  afterAll(() => mocks?.close());

  test('a viewer whose tokens are kept is served; a cold viewer gets 503 IDENTITY_UNAVAILABLE with Retry-After', async () => {
    const warm = await mocks.token('u_31', { aud: 'mobile' });
    const cold = await mocks.token('u_32', { aud: 'mobile' });
    expect((await ask(bff, warm, operation('mobile', 'MobileHome'))).status).toBe(200); // also fetches identity's keys
    for (const fault of [{ errorStatus: 503 }, { reset: true }] as const) {
      await mocks.setFaults('identity', fault);
      const served = await ask(bff, warm, operation('mobile', 'MobileHome'));
      expect(served.status, JSON.stringify(fault)).toBe(200);
      expect(served.body.errors).toBeUndefined();
      expect(served.body.data.home.profile.name).toEqual(expect.any(String));

      const refused = await ask(bff, cold, operation('mobile', 'MobileHome'));
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(refused.body).toEqual({ data: null, errors: [{ message: 'The services could not be called for you: identity does not answer; retry later.', extensions: { code: 'IDENTITY_UNAVAILABLE' } }] });
      await mocks.clearFaults();
    }
    // identity is back: the cold viewer is served.
    expect((await ask(bff, cold, operation('mobile', 'MobileHome'))).status).toBe(200);
  });

  test('an identity that hangs costs a cold viewer the deadline, not more, and no service is called', async () => {
    const cold = await mocks.token('u_33', { aud: 'mobile' });
    await mocks.setFaults('identity', { hang: true, route: 'POST /token' });
    await mocks.resetCounters();
    const started = performance.now();
    const refused = await ask(bff, cold, '{ home { profile { name } } }');
    const elapsed = performance.now() - started;
    await mocks.clearFaults();
    expect(refused.status).toBe(503);
    expect(refused.body.errors[0].extensions.code).toBe('IDENTITY_UNAVAILABLE');
    expect(elapsed).toBeLessThan(bff.policy.deadlineMs + 500);
    expect((await mocks.counters('users')).total).toBe(0);
  });
});

describe('a web session', () => {
  test("its provider token is exchanged: the home is served though no service takes the session's own token", async () => {
    const stack = await startSignInStack();
    try {
      const { sessionId } = await signIn(stack.replicas[0]!.origin, { username: 'u_42' });
      await stack.mocks.resetCounters();
      const home = await graphqlWithCookie(stack.replicas[0]!.origin, sessionId, { query: operation('web', 'WebHome') });
      expect(home.status, JSON.stringify(home.body.errors)).toBe(200);
      expect(home.body.errors).toBeUndefined();
      expect(await exchanges(stack.mocks)).toBeGreaterThanOrEqual(5);
    } finally {
      await stack.close();
    }
  });
});

describe('replicas on one Redis', () => {
  test("a replica uses the token another exchanged, and Redis holds it sealed", async () => {
    const mocks = await startTestMocks();
    const prefix = `concierge:test:service-tokens:${randomUUID()}:`;
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const [a, b] = [bffOf('mobile', mocks.urls, { redisUrl: REDIS_URL }, { serviceTokenPrefix: prefix }), bffOf('mobile', mocks.urls, { redisUrl: REDIS_URL }, { serviceTokenPrefix: prefix })];
      const token = await mocks.token('u_41', { aud: 'mobile' });
      await mocks.resetCounters();
      const first = await ask(a, token, operation('mobile', 'MobileHome'));
      expect(first.status, JSON.stringify(first.body.errors)).toBe(200);
      expect(await exchanges(mocks)).toBe(5);
      // The writes are a pipeline after the exchange; give it a moment.
      await expect.poll(async () => (await redis.keys(`${prefix}*`)).length).toBe(6);
      const second = await ask(b, token, operation('mobile', 'MobileHome'));
      expect(second.status, JSON.stringify(second.body.errors)).toBe(200);
      expect(await exchanges(mocks)).toBe(5);

      const stored = await redis.get(`${prefix}u_41:users`);
      const { sealed, expiresAt } = JSON.parse(stored!) as { sealed: string; expiresAt: number };
      expect(sealed).toMatch(/^v1\./);
      expect(stored).not.toMatch(/eyJ/); // no JWT in the clear
      expect(await redis.pTTL(`${prefix}u_41:users`)).toBeGreaterThan(0);
      expect(expiresAt).toBeGreaterThan(Date.now());
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(keys);
      await redis.quit();
      await mocks.close();
    }
  });
  test("a token another identity issued, kept on the same Redis, is never sent: the BFF exchanges its own", async () => {
    // Two identities (another environment on the shared Redis, or a development identity started
    // anew with new keys): each one's services refuse the other's tokens.
    const [before, after] = [await startTestMocks(), await startTestMocks()];
    const prefix = `concierge:test:service-tokens:${randomUUID()}:`;
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const first = await ask(bffOf('mobile', before.urls, { redisUrl: REDIS_URL }, { serviceTokenPrefix: prefix }), await before.token('u_45', { aud: 'mobile' }), operation('mobile', 'MobileHome'));
      expect(first.status, JSON.stringify(first.body.errors)).toBe(200);
      await expect.poll(async () => (await redis.keys(`${prefix}*`)).length).toBe(6);

      await after.resetCounters();
      const second = await ask(bffOf('mobile', after.urls, { redisUrl: REDIS_URL }, { serviceTokenPrefix: prefix }), await after.token('u_45', { aud: 'mobile' }), operation('mobile', 'MobileHome'));
      expect(second.status, JSON.stringify(second.body.errors)).toBe(200);
      expect(second.body.errors).toBeUndefined();
      // users, continue-watching, my-list, recommendations, notifications: asked of its own identity.
      expect(await exchanges(after)).toBe(5);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(keys);
      await redis.quit();
      await Promise.all([before.close(), after.close()]);
    }
  });
});
