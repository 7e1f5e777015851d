/**
 * The floor: a hand-written aggregator with no GraphQL at all, about the least a Node process
 * can do to answer MobileHome. node:http in, one keep-alive undici Pool per origin out, the five
 * list/profile calls in parallel, then one catalog batch for every title of every row, then one
 * JSON.stringify of an object built in the document's field order (the `__typename` codegen adds
 * to what the app ships included).
 *
 * It ignores the query text (it always answers MobileHome) but still verifies the JWT, forwards
 * the token and a request id, and degrades like the BFF: a failed row or count is null with an
 * error, a failed profile is a 503.
 *
 * It keeps no title across homes unless TITLE_CACHE_MB says how many MB of them it may keep
 * (default 0, unlike the BFF's): that is floor-cached, the same floor with the rule of the BFF's
 * shared title cache (title-cache.ts), the limit concierge with its title cache is measured against.
 *
 *   PORT=4011 USERS_URL=... node --import tsx bench/peers/floor.ts
 *   PORT=4011 USERS_URL=... TITLE_CACHE_MB=32 node --import tsx bench/peers/floor.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { configFromEnv } from '../../bffs/kit/config.ts';
import { createTitleCache, type CatalogReads } from './title-cache.ts';
import {
  PEER_HOST, TITLE_BATCH_LIMIT, UNAUTHENTICATED_MESSAGE,
  announce, peerPools, createTokenVerifier, downstreamPaths, onTermination, planRows, requestIdOf, rowItems, titleIdsOf, titlesBatchRequest, toProfile,
  type ContinueWatchingBody, type MobileTitle, type MobileViewer, type MyListBody, type RecommendationsBody, type RowItem, type RowPlan,
  type TitlesBatchBody, type UnreadCountBody,
  type PeerService,
} from './shared.ts';

const config = configFromEnv(process.env, 4011);
const verify = createTokenVerifier(config.urls.identity);

const pools = peerPools(config.urls);

class DownstreamError extends Error {
  constructor(readonly service: string, message: string, readonly code = 'DOWNSTREAM_UNAVAILABLE') {
    super(message);
  }
}

type Outgoing = Record<string, string>;

async function call<T>(service: string, dispatcher: Pool, headers: Outgoing, path: string, body?: unknown): Promise<T> {
  return (await answer<T>(service, dispatcher, headers, path, body)).json;
}

/** A 2xx answer's JSON and headers; anything else is a DownstreamError. */
async function answer<T>(service: string, dispatcher: Pool, headers: Outgoing, path: string, body?: unknown): Promise<{ json: T; headers: Dispatcher.ResponseData['headers'] }> {
  let response;
  try {
    response = await dispatcher.request(
      body === undefined
        ? { method: 'GET', path, headers }
        : { method: 'POST', path, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
  } catch {
    throw new DownstreamError(service, `${service} is unreachable`);
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    await response.body.dump();
    throw new DownstreamError(service, `${service} answered ${response.statusCode}`);
  }
  try {
    return { json: (await response.body.json()) as T, headers: response.headers };
  } catch {
    throw new DownstreamError(service, `${service} answered with invalid JSON`, 'DOWNSTREAM_BAD_RESPONSE');
  }
}

/** RowItem in the document's selection order (the mappers build it in another order). */
const itemJson = (item: RowItem) => ({
  contentId: item.contentId,
  title: item.title,
  thumbnail: item.thumbnail,
  progressPercent: item.progressPercent ?? null,
  subtitle: item.subtitle ?? null,
  synopsis: item.synopsis ?? null,
  maturityRating: item.maturityRating ?? null,
  isNew: item.isNew ?? null,
  __typename: 'RowItem',
});

interface FieldError {
  message: string;
  path: (string | number)[];
  extensions: { code: string; service?: string };
}

const fieldError = (error: unknown, path: (string | number)[]): FieldError =>
  error instanceof DownstreamError
    ? { message: error.message, path, extensions: { code: error.code, service: error.service } }
    : { message: 'Unexpected error.', path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };

const header = (headers: Dispatcher.ResponseData['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** The catalog as floor-cached's title cache reads it: the batch with its ETags and Cache-Control, and conditional GETs. */
const catalogReads: CatalogReads<MobileTitle, Outgoing> = {
  async batch(ids, headers) {
    const { json, headers: answered } = await answer<TitlesBatchBody>('catalog', pools.catalog, headers, downstreamPaths.titlesBatch, titlesBatchRequest(ids));
    return { titles: json.titles, etags: json.etags ?? [], cache: { cacheControl: header(answered, 'cache-control'), age: header(answered, 'age') } };
  },
  async revalidate(id, etag, headers) {
    const response = await pools.catalog.request({ method: 'GET', path: downstreamPaths.title(id), headers: { ...headers, 'if-none-match': etag } });
    const cache = { cacheControl: header(response.headers, 'cache-control'), age: header(response.headers, 'age') };
    if (response.statusCode !== 200) await response.body.dump();
    if (response.statusCode === 404) return null;
    if (response.statusCode === 304) return { modified: false, cache };
    if (response.statusCode !== 200) throw new DownstreamError('catalog', `catalog answered ${response.statusCode}`);
    return { modified: true, title: (await response.body.json()) as MobileTitle, etag: header(response.headers, 'etag'), cache };
  },
};

/** floor-cached's titles (TITLE_CACHE_MB above 0), or none: every home asks the catalog. */
const cachedTitles = (config.titleCacheMb ?? 0) > 0 ? createTitleCache(catalogReads, { maxBytes: config.titleCacheMb! * 1024 * 1024, batchLimit: TITLE_BATCH_LIMIT }) : undefined;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function home(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = requestIdOf(req.headers['x-request-id']);
  const viewer = await verify(req.headers.authorization);
  if (!viewer) {
    return send(res, 401, JSON.stringify({ errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] }), {
      'x-request-id': requestId,
    });
  }

  const headersFor = (service: PeerService) => ({ accept: 'application/json', authorization: `Bearer ${viewer.tokens[service]}`, 'x-request-id': requestId });
  const user = call<MobileViewer>('users', pools.users, headersFor('users'), downstreamPaths.user(viewer.id));
  const unread = call<UnreadCountBody>('notifications', pools.notifications, headersFor('notifications'), downstreamPaths.unreadCount(viewer.id));
  const lists = Promise.allSettled([
    call<ContinueWatchingBody>('continue-watching', pools.continueWatching, headersFor('continue-watching'), downstreamPaths.continueWatching(viewer.id)).then((b) => b.items),
    call<MyListBody>('my-list', pools.myList, headersFor('my-list'), downstreamPaths.myList(viewer.id)).then((b) => b.contentIds),
    call<RecommendationsBody>('recommendations', pools.recommendations, headersFor('recommendations'), downstreamPaths.recommendations(viewer.id)).then((b) => b.items.map((i) => i.contentId)),
  ]);
  // The batch goes out as soon as the three lists are in; it does not wait for the profile.
  const titles = lists.then(async ([continueWatching, myList, topPicks]) => {
    const ids = titleIdsOf(planRows({ continueWatching, myList, topPicks }, ''));
    if (cachedTitles) return cachedTitles(ids, headersFor('catalog'));
    const byId = new Map<string, MobileTitle | null>();
    const batches: Promise<void>[] = [];
    for (let i = 0; i < ids.length; i += TITLE_BATCH_LIMIT) {
      const chunk = ids.slice(i, i + TITLE_BATCH_LIMIT);
      batches.push(
        call<TitlesBatchBody>('catalog', pools.catalog, headersFor('catalog'), downstreamPaths.titlesBatch, titlesBatchRequest(chunk)).then(({ titles }) => {
          chunk.forEach((id, j) => byId.set(id, titles[j] ?? null));
        }),
      );
    }
    await Promise.all(batches);
    return byId;
  });

  const [viewerUser, unreadCount, titlesById] = await Promise.allSettled([user, unread, titles]);
  const [continueWatching, myList, topPicks] = await lists; // settled already: the titles waited for it
  const errors: FieldError[] = [];

  if (viewerUser.status === 'rejected') {
    errors.push(fieldError(viewerUser.reason, ['home', 'profile']));
    return send(res, 503, JSON.stringify({ errors, data: null }), { 'x-request-id': requestId, 'retry-after': '1' });
  }
  const now = new Date();
  const rows: (ReturnType<typeof rowJson> | null)[] = [];
  for (const plan of planRows({ continueWatching, myList, topPicks }, viewerUser.value.profile.name)) {
    const index = rows.length;
    if (plan instanceof Error) {
      errors.push(fieldError(plan, ['home', 'rows', index]));
      rows.push(null);
    } else if (titlesById.status === 'rejected') {
      errors.push(fieldError(titlesById.reason, ['home', 'rows', index]));
      rows.push(null);
    } else {
      const row = rowJson(plan, rowItems(plan, (id) => titlesById.value.get(id), now));
      if (row.items.length > 0) rows.push(row);
    }
  }
  if (unreadCount.status === 'rejected') errors.push(fieldError(unreadCount.reason, ['home', 'unreadNotificationCount']));

  const profile = toProfile(viewerUser.value, now);
  const data = {
    home: {
      profile: { name: profile.name, avatarUrl: profile.avatarUrl, shouldRefreshPushToken: profile.shouldRefreshPushToken, __typename: 'Profile' },
      downloadEnabled: viewerUser.value.entitlements.downloads,
      unreadNotificationCount: unreadCount.status === 'fulfilled' ? unreadCount.value.unreadCount : null,
      rows,
      __typename: 'Home',
    },
  };
  send(res, 200, JSON.stringify(errors.length === 0 ? { data } : { errors, data }), { 'x-request-id': requestId });
}

const rowJson = (plan: RowPlan, items: RowItem[]) => ({ id: plan.id, title: plan.title, layout: plan.layout, items: items.map(itemJson), __typename: 'Row' });

const server = createServer({ keepAlive: true }, (req, res) => {
  const path = req.url?.split('?', 1)[0];
  if (path !== '/graphql' || req.method !== 'POST') {
    req.resume();
    return send(res, path === '/graphql' ? 405 : 404, '{"errors":[{"message":"POST /graphql only"}]}');
  }
  // The floor answers MobileHome whatever the body says; the body is still read off the socket.
  req.resume();
  home(req, res).catch(() => {
    if (!res.headersSent) send(res, 500, '{"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}');
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;

server.listen(config.port, PEER_HOST, () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : config.port);
});

onTermination(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await Promise.all(Object.values(pools).map((p) => p.close()));
});
