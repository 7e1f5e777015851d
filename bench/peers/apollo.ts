/**
 * Peer: Apollo Server 5 + @apollo/datasource-rest 6, written the way Apollo's docs recommend.
 * - the mobile schema (schemas/mobile.graphql) served by `startStandaloneServer`;
 * - the bearer JWT verified in the context function; a GraphQLError with `http.status` 401 when
 *   it is missing or invalid;
 * - one `RESTDataSource` subclass per service, new instances per request in the context function
 *   (sharing the server's cache), forwarding the token and the request id in `willSendRequest`;
 *   concurrent identical GETs (the users read behind profile, downloadEnabled and rows) are
 *   de-duplicated by RESTDataSource itself;
 * - a DataLoader inside the catalog data source for the title batch, so every title of every
 *   row goes out in one POST /titles/batch.
 *
 *   PORT=4013 USERS_URL=... node --import tsx bench/peers/apollo.ts
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource, type AugmentedRequest, type DataSourceConfig } from '@apollo/datasource-rest';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { configFromEnv } from '../../bffs/kit/config.ts';
import {
  PEER_HOST, ROW_LIMIT, TITLE_BATCH_LIMIT, TITLE_FIELDS, UNAUTHENTICATED_MESSAGE, USER_FIELDS,
  announce, contentIdsOf, createTokenVerifier, onTermination, planRows, requestIdOf, rowItems, toProfile,
  type ContinueWatchingBody, type MobileTitle, type MobileViewer, type MyListBody, type RecommendationsBody, type RowPlan,
  type TitlesBatchBody, type UnreadCountBody,
  type PeerService,
} from './shared.ts';

const config = configFromEnv(process.env, 4013);
const verify = createTokenVerifier(config.urls.identity);
const typeDefs = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');

// --- data sources ----------------------------------------------------------------------------

interface DownstreamOptions extends DataSourceConfig {
  token: string;
  requestId: string;
}

/** What every data source does: the service's base URL, the caller's token and request id. */
abstract class DownstreamAPI extends RESTDataSource {
  private readonly token: string;
  private readonly requestId: string;

  constructor(baseURL: string, { token, requestId, ...config }: DownstreamOptions) {
    super(config);
    this.baseURL = `${baseURL}/`;
    this.token = token;
    this.requestId = requestId;
  }

  override willSendRequest(_path: string, request: AugmentedRequest) {
    request.headers.authorization = `Bearer ${this.token}`;
    request.headers['x-request-id'] = this.requestId;
  }
}

class UsersAPI extends DownstreamAPI {
  getUser(id: string) {
    return this.get<MobileViewer>(`users/${encodeURIComponent(id)}`, { params: { fields: USER_FIELDS.join(',') } });
  }
}

class ContinueWatchingAPI extends DownstreamAPI {
  async getItems(userId: string) {
    return (await this.get<ContinueWatchingBody>(`continue-watching/${encodeURIComponent(userId)}`)).items;
  }
}

class MyListAPI extends DownstreamAPI {
  async getContentIds(userId: string) {
    return (await this.get<MyListBody>(`my-list/${encodeURIComponent(userId)}`)).contentIds;
  }
}

class RecommendationsAPI extends DownstreamAPI {
  async getTopPicks(userId: string, limit: number) {
    const { items } = await this.get<RecommendationsBody>(`recommendations/${encodeURIComponent(userId)}`, { params: { limit: String(limit) } });
    return items.map((item) => item.contentId);
  }
}

class NotificationsAPI extends DownstreamAPI {
  async getUnreadCount(userId: string) {
    return (await this.get<UnreadCountBody>(`notifications/${encodeURIComponent(userId)}/unread-count`)).unreadCount;
  }
}

class CatalogAPI extends DownstreamAPI {
  /** Every title asked for in one tick goes out in one batch (the catalog's limit per call). */
  private readonly titles = new DataLoader<string, MobileTitle | null>(
    async (ids) => (await this.post<TitlesBatchBody>('titles/batch', { body: { ids, fields: TITLE_FIELDS } })).titles,
    { maxBatchSize: TITLE_BATCH_LIMIT },
  );

  getTitle(id: string) {
    return this.titles.load(id);
  }
}

// --- GraphQL ---------------------------------------------------------------------------------

interface ContextValue {
  viewerId: string;
  now: Date;
  dataSources: {
    users: UsersAPI;
    continueWatching: ContinueWatchingAPI;
    myList: MyListAPI;
    recommendations: RecommendationsAPI;
    notifications: NotificationsAPI;
    catalog: CatalogAPI;
  };
}

const resolvers = {
  Query: {
    home: () => ({}),
  },
  Home: {
    profile: async (_: unknown, __: unknown, { viewerId, now, dataSources }: ContextValue) => toProfile(await dataSources.users.getUser(viewerId), now),
    downloadEnabled: async (_: unknown, __: unknown, { viewerId, dataSources }: ContextValue) => (await dataSources.users.getUser(viewerId)).entitlements.downloads,
    unreadNotificationCount: (_: unknown, __: unknown, { viewerId, dataSources }: ContextValue) => dataSources.notifications.getUnreadCount(viewerId),
    rows: async (_: unknown, __: unknown, { viewerId, now, dataSources }: ContextValue) => {
      const [continueWatching, myList, topPicks, viewer] = await Promise.allSettled([
        dataSources.continueWatching.getItems(viewerId),
        dataSources.myList.getContentIds(viewerId),
        dataSources.recommendations.getTopPicks(viewerId, ROW_LIMIT),
        dataSources.users.getUser(viewerId),
      ]);
      const plans = planRows({ continueWatching, myList, topPicks }, viewer.status === 'fulfilled' ? viewer.value.profile.name : 'You');
      // All rows ask the DataLoader in the same tick: one catalog batch for the whole home.
      const rows = await Promise.all(
        plans.map(async (plan: RowPlan | Error) => {
          if (plan instanceof Error) return plan;
          const ids = contentIdsOf(plan);
          try {
            const titles = await Promise.all(ids.map((id) => dataSources.catalog.getTitle(id)));
            const byId = new Map(ids.map((id, i) => [id, titles[i]]));
            const items = rowItems(plan, (id) => byId.get(id), now);
            return items.length === 0 ? undefined : { id: plan.id, title: plan.title, layout: plan.layout, items };
          } catch (error) {
            return error as Error;
          }
        }),
      );
      return rows.filter((row) => row !== undefined);
    },
  },
};

const server = new ApolloServer<ContextValue>({
  typeDefs,
  resolvers,
  // Apollo's default adds a trailing newline to every body; the other servers send none, and
  // the peers must answer byte for byte the same (the documented hook, no other change).
  stringifyResult: (value) => JSON.stringify(value),
  // SIGTERM is handled below so that the process exits 0 like the other peers.
  stopOnTerminationSignals: false,
});

const { url } = await startStandaloneServer(server, {
  listen: { port: config.port, host: PEER_HOST },
  context: async ({ req, res }) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const viewer = await verify(req.headers.authorization);
    if (!viewer) {
      throw new GraphQLError(UNAUTHENTICATED_MESSAGE, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
    const { cache } = server;
    const options = (service: PeerService) => ({ cache, token: viewer.tokens[service], requestId });
    return {
      viewerId: viewer.id,
      now: new Date(),
      dataSources: {
        users: new UsersAPI(config.urls.users, options('users')),
        continueWatching: new ContinueWatchingAPI(config.urls['continue-watching'], options('continue-watching')),
        myList: new MyListAPI(config.urls['my-list'], options('my-list')),
        recommendations: new RecommendationsAPI(config.urls.recommendations, options('recommendations')),
        notifications: new NotificationsAPI(config.urls.notifications, options('notifications')),
        catalog: new CatalogAPI(config.urls.catalog, options('catalog')),
      },
    };
  },
});

announce(Number(new URL(url).port));

onTermination(() => server.stop());
