/**
 * Peer: fastify 5 + mercurius 16, written the way their docs recommend.
 * - the mobile schema (schemas/mobile.graphql), JIT-compiled after the first run (`jit: 1`);
 * - auth in a fastify `onRequest` hook (401 before any GraphQL work), the request id from
 *   fastify's own `genReqId`;
 * - a per-request context built by mercurius' `context` option, memoizing each list read so
 *   several resolvers share one call;
 * - a mercurius loader on `Row.items`: the items of every row of the home resolve in one loader
 *   call, hence one catalog batch per home;
 * - one keep-alive undici Pool per downstream origin (fastify's own HTTP client is undici).
 *
 *   PORT=4012 USERS_URL=... node --import tsx bench/peers/mercurius.ts
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyReply } from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import type { Pool } from 'undici';
import { configFromEnv } from '../../bffs/kit/config.ts';
import {
  PEER_HOST, TITLE_BATCH_LIMIT, UNAUTHENTICATED_MESSAGE,
  announce, peerPools, contentIdsOf, createTokenVerifier, downstreamPaths, onTermination, planRows, requestIdOf, rowItems, titlesBatchRequest, toProfile,
  type ContinueWatchingBody, type MobileTitle, type MobileViewer, type MyListBody, type PeerViewer, type RecommendationsBody, type RowPlan,
  type TitlesBatchBody, type UnreadCountBody,
  type PeerService,
} from './shared.ts';

const config = configFromEnv(process.env, 4012);
const verify = createTokenVerifier(config.urls.identity);
const schema = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');

// --- downstream ------------------------------------------------------------------------------

const pools = peerPools(config.urls);

/** One request's view of the services: token and request id forwarded, each read made once. */
class Downstream {
  private readonly headers: Record<string, string>;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(private readonly viewer: PeerViewer, requestId: string) {
    this.headers = { accept: 'application/json', 'x-request-id': requestId };
  }

  viewerUser = () => this.once('users', () => this.get<MobileViewer>('users', pools.users, downstreamPaths.user(this.viewer.id)));
  unreadCount = () =>
    this.once('notifications', () => this.get<UnreadCountBody>('notifications', pools.notifications, downstreamPaths.unreadCount(this.viewer.id)).then((b) => b.unreadCount));
  continueWatching = () =>
    this.once('continue-watching', () => this.get<ContinueWatchingBody>('continue-watching', pools.continueWatching, downstreamPaths.continueWatching(this.viewer.id)).then((b) => b.items));
  myList = () => this.once('my-list', () => this.get<MyListBody>('my-list', pools.myList, downstreamPaths.myList(this.viewer.id)).then((b) => b.contentIds));
  topPicks = () =>
    this.once('recommendations', () =>
      this.get<RecommendationsBody>('recommendations', pools.recommendations, downstreamPaths.recommendations(this.viewer.id)).then((b) => b.items.map((i) => i.contentId)),
    );

  /** Titles in the order asked, `null` for unknown ids; at most TITLE_BATCH_LIMIT ids per call. */
  async titles(ids: readonly string[]): Promise<(MobileTitle | null)[]> {
    const chunks: Promise<(MobileTitle | null)[]>[] = [];
    for (let i = 0; i < ids.length; i += TITLE_BATCH_LIMIT) {
      const body = JSON.stringify(titlesBatchRequest(ids.slice(i, i + TITLE_BATCH_LIMIT)));
      chunks.push(this.request<TitlesBatchBody>('catalog', pools.catalog, { method: 'POST', path: downstreamPaths.titlesBatch, body }).then((b) => b.titles));
    }
    return (await Promise.all(chunks)).flat();
  }

  private once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (!pending) this.memo.set(key, (pending = fetch()));
    return pending;
  }

  private get<T>(service: PeerService, dispatcher: Pool, path: string): Promise<T> {
    return this.request<T>(service, dispatcher, { method: 'GET', path });
  }

  private async request<T>(service: PeerService, dispatcher: Pool, options: { method: 'GET' | 'POST'; path: string; body?: string }): Promise<T> {
    const authorization = `Bearer ${this.viewer.tokens[service]}`;
    const headers = options.body === undefined ? { ...this.headers, authorization } : { ...this.headers, authorization, 'content-type': 'application/json' };
    const { statusCode, body } = await dispatcher.request({ ...options, headers });
    if (statusCode < 200 || statusCode >= 300) {
      await body.dump();
      throw new Error(`${service} answered ${statusCode}`);
    }
    return (await body.json()) as T;
  }
}

// --- GraphQL ---------------------------------------------------------------------------------

interface PeerContext {
  downstream: Downstream;
  now: Date;
}

declare module 'mercurius' {
  interface MercuriusContext extends PeerContext {}
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: PeerViewer | null;
  }
}

const resolvers: IResolvers = {
  Query: {
    home: () => ({}),
  },
  Home: {
    profile: async (_: unknown, __: unknown, { downstream, now }: PeerContext) => toProfile(await downstream.viewerUser(), now),
    downloadEnabled: async (_: unknown, __: unknown, { downstream }: PeerContext) => (await downstream.viewerUser()).entitlements.downloads,
    unreadNotificationCount: (_: unknown, __: unknown, { downstream }: PeerContext) => downstream.unreadCount(),
    /** Which rows to draw; their items come from the Row.items loader, all rows at once. */
    rows: async (_: unknown, __: unknown, { downstream }: PeerContext) => {
      const [continueWatching, myList, topPicks, viewer] = await Promise.allSettled([
        downstream.continueWatching(),
        downstream.myList(),
        downstream.topPicks(),
        downstream.viewerUser(),
      ]);
      return planRows({ continueWatching, myList, topPicks }, viewer.status === 'fulfilled' ? viewer.value.profile.name : 'You');
    },
  },
};

const loaders: MercuriusLoaders<PeerContext> = {
  Row: {
    /** Every row's items in one catalog batch. */
    async items(queries: { obj: RowPlan }[], { downstream, now }: PeerContext) {
      const ids = [...new Set(queries.flatMap(({ obj }) => contentIdsOf(obj)))];
      const titles = await downstream.titles(ids);
      const byId = new Map(ids.map((id, i) => [id, titles[i]]));
      return queries.map(({ obj }) => rowItems(obj, (id) => byId.get(id), now));
    },
  },
};

// --- server ----------------------------------------------------------------------------------

const app = Fastify({
  // The caller's x-request-id when it is sane (fastify's `requestIdHeader` would take any), else a new one.
  requestIdHeader: false,
  genReqId: (raw) => requestIdOf(raw.headers['x-request-id']),
  keepAliveTimeout: 65_000,
});

app.decorateRequest('viewer', null);

app.addHook('onRequest', async (request, reply: FastifyReply) => {
  reply.header('x-request-id', request.id);
  const viewer = await verify(request.headers.authorization);
  if (!viewer) {
    return reply.code(401).send({ errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] });
  }
  request.viewer = viewer;
});

await app.register(mercurius, {
  schema,
  resolvers,
  loaders,
  jit: 1,
  context: (request): PeerContext => ({ downstream: new Downstream(request.viewer!, request.id), now: new Date() }),
});

await app.listen({ port: config.port, host: PEER_HOST });
const address = app.server.address();
announce(typeof address === 'object' && address ? address.port : config.port);

onTermination(async () => {
  await app.close();
  await Promise.all(Object.values(pools).map((p) => p.close()));
});
