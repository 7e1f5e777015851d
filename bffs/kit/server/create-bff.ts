import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { BffConfig } from '../config.ts';
import { createServiceClients, type ServiceClients } from '../downstream/index.ts';
import type { LoaderNeeds } from '../loaders/index.ts';
import type { TitleField } from '../downstream/services/catalog.ts';
import type { UserField } from '../downstream/services/users.ts';
import { createClientPerimeter } from '../perimeter/index.ts';
import type { CachingPolicy } from '../caching/policy.ts';
import { createResponseCache } from '../caching/response-cache.ts';
import { memoryResponseCache } from '../stores/response-cache/memory-backend.ts';
import { redisResponseCache } from '../stores/response-cache/redis-backend.ts';
import { deployIdOf } from '../caching/deploy-id.ts';
import type { PerimeterPolicy } from '../core/perimeter-policy.ts';
import { createDocumentCatalog, supportedReleases, type ClientDocuments } from '../contracts/document-catalog.ts';
import type { ContractUsage } from '../contracts/usage.ts';
import { audiencesFor, createViewerVerifier } from '../perimeter/viewer.ts';
import { createDeviceDirectory } from '../sign-in/devices.ts';
import { createSignIn } from '../sign-in/index.ts';
import { createCorsPolicy } from '../perimeter/cors.ts';
import { LoadShedder, useLoadShedding } from '../perimeter/load-shedding.ts';
import { LastGoodStore } from '../resilience/last-good.ts';
import { criticalServices, nonCriticalBudgets, type DependencyMap, type ResiliencePolicy } from '../resilience/policy.ts';
import { closeRedis, connectRedis } from '../stores/redis.ts';
import { redisEntries } from '../stores/shared-entries.ts';
import { createTitleCache, DEFAULT_TITLE_CACHE_MB, type TitleSource } from '../caching/title-cache.ts';
import type { RequestHeaders } from '../core/headers.ts';
import { createContextFactory } from '../execution/context.ts';
import { createServiceTokens } from '../downstream/service-tokens.ts';
import { actingClientOf } from './acting-client.ts';
import { createExecutor } from '../execution/execute.ts';
import { createErrorMasker } from '../execution/mask-error.ts';
import { createRepeatedErrors } from '../execution/repeated-errors.ts';
import type { NodeListener } from '../core/node-listener.ts';
import { createFastLane } from './fast-lane.ts';
import { frontDoor } from './front-door.ts';
import { yogaNodeListener } from './last-resort.ts';
import { createGraphiQLWing } from '../graphiql/wing.ts';
import { createLocaleWing, SHIPPED_LOCALES } from '../locale/wing.ts';
import { createFlagsWing, DEFAULT_FLAGS_FILE, type FlagDeclarations, type FlagsWingOptions } from '../flags/wing.ts';
import type { Wing } from '../perimeter/wing.ts';
import { createLogger, yogaLogger } from './logger.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { createResultRules } from '../execution/result-rules.ts';
import { createResponder } from '../request/respond.ts';
import { useRequestId, useYogaLane } from './yoga-lane.ts';
import { createLifecycle } from '../request/lifecycle.ts';
import { resolveSettings, type Settings } from './settings.ts';
import { createMetrics } from '../observability/metrics.ts';
import { Observer } from '../observability/observer.ts';
import { tracingFromEnv, type Tracing } from '../observability/tracing.ts';
import { useObservation } from '../observability/yoga-observation.ts';
import type { SessionEvent } from '../observability/observed-sessions.ts';
import type { Registry } from 'prom-client';
import { refusePublishedSecrets } from '../published-secrets.ts';
import { createLiveEvents, type LiveEvents } from '../live/live-events.ts';
import { LiveConnections } from '../perimeter/live-connections.ts';
import { DEFAULT_EVENTS_RETENTION_MS } from '../live/feed.ts';
import { redisEventFeed } from '../live/redis-feed.ts';
import { serviceEventFeed } from '../live/service-feed.ts';
import { createSocketLane, DEFAULT_SOCKET_LIMITS, type SocketLane } from './socket-lane.ts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export type { BffContext } from '../execution/context.ts';

export interface CreateBffOptions<TF extends TitleField, UF extends UserField, TExtra extends object> {
  /** `web`, `mobile`, `tv`: used in logs and GraphiQL. */
  client: string;
  typeDefs: string;
  resolvers: IResolvers | IResolvers[];
  config: BffConfig;
  /** The client's deadline, retries, breakers, bulkheads and shedding thresholds. */
  policy: ResiliencePolicy;
  /** The client's body limit, operation limits, budgets and CORS credentials. */
  perimeter: PerimeterPolicy;
  /** The client's cache defaults, Vary, response cache bound and compression (caching/policy.ts). */
  caching: CachingPolicy;
  /**
   * The client's trusted documents (`readClientDocuments`): the working copy's manifest from
   * `npm run codegen`, its releases from `npm run release`, and which versions it supports.
   */
  documents: ClientDocuments;
  /** Browser origins the client serves (web: `WEB_ORIGINS`). */
  origins?: readonly string[];
  /** What each field reads and whether it is critical; the critical services follow from it. */
  dependencies: DependencyMap;
  /** The sparse fieldsets this client reads from the catalog and the users service. */
  needs: LoaderNeeds<TF, UF>;
  /** What GraphiQL opens with. */
  defaultQuery: string;
  /** The locales the client's apps are answered in, the default first (locale/wing.ts). @default every shipped one */
  locales?: readonly string[];
  /** The feature flags the client reads, with their defaults and the operations they shape (flags/wing.ts). */
  flags?: FlagDeclarations;
  /** What the client adds to the flags' targeting context from the request (TV: its device's capabilities). */
  flagTargeting?: FlagsWingOptions['targeting'];
  /**
   * `cookie`: browsers sign in through the BFF (sign-in/): /auth/* routes, server-side sessions,
   * the session cookie and its CSRF rule in the perimeter. `device`: devices sign in through the
   * BFF with the device authorization grant: /auth/device*, device sessions whose opaque id is
   * the device's bearer token. Without it, bearer tokens only.
   */
  signIn?: 'cookie' | 'device';
  /**
   * The device client whose sessions a viewer may list and sign out (web: `tv`, the account
   * page's signed-in TVs), read from this BFF's session store: needs `signIn`, and the device
   * BFF's sessions in the same store (REDIS_URL).
   */
  deviceClient?: string;
  /** Adds per-request fields to the context, from the request headers (TV's device). */
  extendContext?: (headers: RequestHeaders) => TExtra;
  /** What screens show ("new" badges) and when a kept title goes stale run on it. @default () => new Date() */
  clock?: () => Date;
  /** The Redis key prefix of the services' tokens (downstream/service-tokens.ts); tests pass their own to stay apart. @default `concierge:service-tokens:<client>:` */
  serviceTokenPrefix?: string;
  /** The Redis key prefix of the shared title cache; tests pass their own to stay apart. @default `concierge:titles:<client>:` */
  titleCachePrefix?: string;
  /** Share one set of pools between several servers in one process (tests). */
  services?: ServiceClients;
  logger?: Logger;
  /** @default from the `OTEL_*` variables (observability/tracing.ts): off unless an exporter is set */
  tracing?: Tracing;
}

/** What a test or a main file may swap in when it builds a client's BFF. */
export type BffOverrides = Partial<Pick<CreateBffOptions<never, never, object>, 'clock' | 'services' | 'logger' | 'titleCachePrefix' | 'serviceTokenPrefix' | 'tracing'>> & {
  policy?: Partial<ResiliencePolicy>;
  perimeter?: Partial<PerimeterPolicy>;
  caching?: Partial<CachingPolicy>;
  /** Another release history or support policy (tests of retirement). */
  documents?: Partial<ClientDocuments>;
};

export type Bff = YogaServerInstance<Record<string, unknown>, Record<string, unknown>> & {
  services: ServiceClients;
  policy: ResiliencePolicy;
  /** What this BFF runs on: its client's policies with the environment's overrides, resolved once (settings.ts). */
  settings: Settings;
  /**
   * What node:http serves: the front door, then the fast lane for the GraphQL endpoint and yoga
   * for the rest. (`fetch` is yoga's lane: the same lifecycle, through yoga's fetch-API adapter.)
   */
  nodeListener: NodeListener;
  /** Requests per app version and operation, and per deprecated field (contracts/usage.ts). */
  usage: ContractUsage;
  /** The shared title cache; `settled()` waits for its background revalidations (tests). */
  titleCache: TitleSource;
  /** The Prometheus registry the admin port serves (observability/admin-server.ts); none under `METRICS=off`. */
  metrics: Registry | undefined;
  /** `/ready`'s answer; `serve()` drains it on SIGTERM. */
  readiness: Readiness;
  /** The BFF's pino logger (`logger` is yoga's own, an adapter over it). */
  log: Logger;
  /**
   * Where the schema has subscriptions: the WebSocket lane (server/socket-lane.ts), whose
   * `upgrade` node:http's server calls, and the replica's live events. `serve()` attaches it and
   * closes its sockets with 1012 on shutdown.
   */
  live?: { upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void; sockets: SocketLane; events: LiveEvents; connections: LiveConnections };
  close(): Promise<void>;
};

const GRAPHQL_ENDPOINT = '/graphql';
/** The endpoint, with the trailing slash yoga also serves it under. */
const isEndpoint = (request: Request) => /^\/graphql\/?$/.test(new URL(request.url).pathname);
const MASKED_MESSAGE = 'Unexpected error.';

/**
 * Builds one client's GraphQL server. It does not listen: `serve()` does, and tests drive
 * `bff.fetch()` with no port open.
 */
export function createBff<TF extends TitleField, UF extends UserField, TExtra extends object = object>(
  options: CreateBffOptions<TF, UF, TExtra>,
): Bff {
  const { client, config, needs, extendContext, clock = () => new Date() } = options;
  refusePublishedSecrets(config); // production only: before anything connects or listens
  // The client's policies with the environment's overrides, resolved once (settings.ts).
  const settings = resolveSettings(client, config, options);
  const policy = settings.resilience;

  const ownsServices = !options.services;
  const services = options.services ?? createServiceClients(config.urls, policy);
  const logger = options.logger ?? createLogger(client, config.logLevel, { production: config.production, format: config.logFormat });
  const metrics = config.metrics === false ? undefined : createMetrics(client);
  const observer = new Observer({ endpoint: GRAPHQL_ENDPOINT, logger, metrics, tracing: 'tracing' in options ? options.tracing : tracingFromEnv(client) });
  const schema = makeExecutableSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  const shedder = new LoadShedder(policy.shedding);
  const readiness = createReadiness(config.urls.identity);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  const titleCache = createTitleCache({
    catalog: services.catalog,
    maxBytes: (config.titleCacheMb ?? DEFAULT_TITLE_CACHE_MB) * 1024 * 1024,
    shared: redis && redisEntries(redis, options.titleCachePrefix ?? `concierge:titles:${client}:`),
    now: () => clock().getTime(),
    revalidationTimeoutMs: policy.deadlineMs,
    logger,
  });
  // What the services are called with: the viewer's token exchanged per service, or the BFF's own
  // for public data; never the client's token (downstream/service-tokens.ts, README: Downstream tokens).
  const identity = new URL(config.urls.identity);
  const serviceTokens = createServiceTokens({
    issuer: config.urls.identity,
    ...actingClientOf(client, config),
    allowHttp: !config.production || (identity.protocol === 'http:' && /^(127\.|localhost)/.test(identity.hostname)),
    shared: redis && redisEntries(redis, options.serviceTokenPrefix ?? `concierge:service-tokens:${client}:`),
  });
  serviceTokens.warm();
  const verifyViewer = createViewerVerifier({ identityUrl: config.urls.identity, audiences: audiencesFor(client, config.production) });
  const cors = createCorsPolicy({ origins: options.origins ?? [], production: config.production, credentials: settings.perimeter.corsCredentials });
  // Sign-in is a wing (perimeter/wing.ts): its stages go to the perimeter, its routes to yoga, its close() to ours.
  // Sessions run on the real clock, as the provider's tokens do (the injected one is for what screens show).
  const signIn = options.signIn && createSignIn(options.signIn, { client, config, policy: settings.perimeter, cors, verifyViewer, redis, logger, noteSession: metrics && ((event: SessionEvent, count = 1) => metrics.sessions.inc({ event }, count)) });
  const wings: Wing[] = [
    ...(signIn ? [signIn] : []),
    // Locale (locale/wing.ts): its stage says which locale the answer is in.
    createLocaleWing({ locales: options.locales ?? SHIPPED_LOCALES, production: config.production }),
    // Flags (flags/wing.ts), after the locale, which they may target: off with FLAGS=off, to measure what they cost.
    ...(config.flags !== false && options.flags && Object.keys(options.flags).length
      ? [createFlagsWing({ client, logger, counter: metrics?.counter, declarations: options.flags, path: config.flagsFile ?? DEFAULT_FLAGS_FILE, targeting: options.flagTargeting })]
      : []),
    ...(config.production ? [] : [createGraphiQLWing({ client, identityUrl: config.urls.identity, defaultQuery: options.defaultQuery, endpoint: GRAPHQL_ENDPOINT, sessions: options.signIn === 'cookie' ? signIn?.sessions : undefined, versions: supportedReleases(options.documents), hosts: config.host ? [config.host] : [] })]),
  ];
  const { perimeter, handshake, gates, usage } = createClientPerimeter({
    client,
    schema,
    policy: settings.perimeter,
    production: config.production,
    documents: createDocumentCatalog(options.documents),
    cacheDefaults: options.caching.defaults,
    verifyViewer,
    cors,
    redis,
    firstStages: wings.flatMap((wing) => wing.firstStages),
    authenticate: authenticationOf(wings),
    variationStages: wings.flatMap((wing) => wing.variationStages ?? []),
  });
  if (options.deviceClient && !signIn) throw new Error(`${client}: deviceClient needs signIn (a session store to read the devices from)`);
  const devices = options.deviceClient && signIn ? createDeviceDirectory(signIn.sessions, options.deviceClient) : undefined;
  // Live updates, where the schema has subscriptions (README: Live updates): the services' events
  // from Redis Streams with REDIS_URL, else from each service's own feed.
  const liveEvents = schema.getSubscriptionType()
    ? createLiveEvents({
        feed: redis
          ? redisEventFeed({ redis, logger, prefix: config.eventsPrefix ?? 'concierge:events:', retentionMs: config.eventsRetentionMs ?? DEFAULT_EVENTS_RETENTION_MS })
          : serviceEventFeed(config.urls, logger),
        onDelivered: metrics && ((topic, delayMs) => {
          metrics.liveEvents.inc({ topic });
          metrics.liveEventDelay.observe({ topic }, delayMs / 1000);
        }),
        onArrived: metrics && ((topic, delayMs) => metrics.liveFeedDelay.observe({ topic }, delayMs / 1000)),
      })
    : undefined;
  const liveConnections = liveEvents && new LiveConnections(config.liveConnectionsPerViewer, config.liveConnectionsPerAddress);
  const maskErrors = { isDev: !config.production, errorMessage: MASKED_MESSAGE };
  // Development logs an error that every request hits once, then how often it came back.
  const repeats = config.production ? undefined : createRepeatedErrors();
  const execute = createExecutor({
    gates,
    buildContext: createContextFactory({
      services,
      needs,
      titles: titleCache,
      clock,
      listsShare: policy.listsShareOfDeadline,
      budgets: nonCriticalBudgets(options.dependencies, policy),
      lastGood: new LastGoodStore(policy.staleIfError),
      extendContext,
      devices,
      live: liveEvents && ((viewerId: string) => liveEvents.forViewer(viewerId)),
      credentials: serviceTokens.forViewer,
    }),
    applyRules: createResultRules({
      critical: criticalServices(options.dependencies),
      hideInternalDetail: config.production,
      maskError: createErrorMasker({ production: config.production, maskedMessage: MASKED_MESSAGE, logger, repeats }),
    }),
  });
  const caching = settings.caching;
  // Answers of a deploy are keyed under its id: a deploy (another schema or DEPLOY_ID) starts clean.
  const deployId = deployIdOf(options.typeDefs, config.deployId);
  const responseCache = createResponseCache({
    backend: redis ? redisResponseCache(redis, `concierge:response:${client}:${deployId}`) : memoryResponseCache(caching.responseCacheBytes),
    keyHeaders: caching.keyHeaders,
    clock: Date.now, // real time, as Redis's TTLs are (the injected clock is for what screens show)
    logger,
  });
  const respond = createResponder(execute, config.responseCache === false ? undefined : responseCache);
  const delivery = { vary: caching.vary, compression: caching.compression };

  // The one request lifecycle (request/lifecycle.ts): both lanes below only adapt their I/O to it.
  const handle = createLifecycle({ maxBodyBytes: settings.perimeter.maxBodyBytes, shedder, cors, perimeter, respond, execute, delivery, deadlineMs: policy.deadlineMs, liveConnections, sessionWatch: liveEvents && { gate: handshake, everyMs: config.liveSessionCheckMs ?? DEFAULT_SOCKET_LIMITS.sessionCheckMs } });

  // The WebSocket lane, where the schema has subscriptions: the same lifecycle, message by message.
  const sockets = liveEvents && liveConnections
    ? createSocketLane({
        endpoint: GRAPHQL_ENDPOINT,
        handle,
        handshake,
        connections: liveConnections,
        observer,
        logger,
        production: config.production,
        limits: {
          ...DEFAULT_SOCKET_LIMITS,
          ...(config.liveSubscriptionsPerSocket ? { subscriptionsPerSocket: config.liveSubscriptionsPerSocket } : {}),
          ...(config.liveSessionCheckMs ? { sessionCheckMs: config.liveSessionCheckMs } : {}),
          ...(config.liveKeepAliveMs ? { keepAliveMs: config.liveKeepAliveMs } : {}),
          ...(config.liveRestartSpreadMs !== undefined ? { restartSpreadMs: config.liveRestartSpreadMs } : {}),
        },
      })
    : undefined;

  const yoga = createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    // yoga's CORS plugin answers preflights, and CORS for the wings' routes; the lifecycle puts the
    // endpoint's own (with its Vary) on its replies.
    cors: (request) => (request.method !== 'OPTIONS' && isEndpoint(request) ? false : cors.options(request.headers)),
    logging: yogaLogger(logger),
    // GraphiQL is a wing of ours (graphiql/wing.ts, development only): yoga's own would render its
    // 9 MB page per request, uncompressed and uncacheable.
    graphiql: false,
    maskedErrors: maskErrors,
    // Every rule of a GraphQL request is in the lifecycle, which both lanes run. A plugin added
    // here would run on yoga's lane only: put the rule in the lifecycle or the perimeter instead.
    plugins: [
      // First: what load shedding refuses is observed too.
      useObservation(observer, ['/health', '/ready']),
      useLoadShedding(shedder, wings.flatMap((wing) => wing.paths)),
      useRequestId(),
      // The wings' routes (sign-in's /auth/*, GraphiQL's page), each wing's in its own order.
      ...wings.flatMap((wing) => wing.routes),
      useYogaLane({ endpoint: GRAPHQL_ENDPOINT, handle, otherRoutes: ['/health', '/ready'] }),
      useReadinessCheck({ endpoint: '/ready', check: readiness.check }),
    ],
  });

  // yoga on node:http with our last resort in place of its adapter's (which sends the stack).
  const yogaListener = yogaNodeListener(yoga, observer);
  const transport: NodeListener = config.fastLane === false ? yogaListener : createFastLane({ endpoint: GRAPHQL_ENDPOINT, handle, observer, yoga: yogaListener });

  // Host and target checked first, and the last resort around both transports (front-door.ts).
  const nodeListener = frontDoor(transport, observer, config.fastLane === false ? 'yoga' : 'fast_lane');

  observer.watch({ guards: services.guards, shedder, usage, deadlineMs: policy.deadlineMs });
  if (sockets && liveEvents && liveConnections) observer.watchLive({ sockets: () => sockets.sockets, connections: () => liveConnections.open, subscriptions: () => liveEvents.open() });

  return Object.assign(yoga, {
    services,
    policy,
    settings,
    nodeListener,
    usage,
    titleCache,
    metrics: metrics?.registry,
    readiness,
    log: logger,
    ...(sockets && liveEvents && liveConnections ? { live: { upgrade: sockets.upgrade, sockets, events: liveEvents, connections: liveConnections } } : {}),
    close: async () => {
      await sockets?.close();
      await liveEvents?.close();
      await yoga.dispose();
      shedder.dispose();
      for (const wing of wings) await wing.close();
      await titleCache.close();
      if (ownsServices) await services.close();
      if (redis) await closeRedis(redis);
      await observer.close(); // the spans of the last requests
      repeats?.flushAll();
      logger.flush();
    },
  }) as unknown as Bff;
}

/** The one wing's stage that finds the viewer in place of the bearer token's, if a wing brings one. */
function authenticationOf(wings: readonly Wing[]) {
  const bringing = wings.filter((wing) => wing.authenticate);
  if (bringing.length > 1) throw new Error(`only one wing may authenticate: ${bringing.map((wing) => wing.name).join(', ')} do`);
  return bringing[0]?.authenticate;
}
