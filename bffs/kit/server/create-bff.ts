import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Logger } from 'pino';
import type { BffConfig } from '../config.ts';
import { createServiceClients, type CallContext, type ServiceClients } from '../downstream/index.ts';
import { createLoaders, type LoaderNeeds, type Loaders } from '../loaders/index.ts';
import type { TitleField } from '../downstream/services/catalog.ts';
import type { UserField } from '../downstream/services/users.ts';
import { createViewerVerifier, type Viewer } from '../perimeter/viewer.ts';
import { requestId, useRequestId } from '../perimeter/request-id.ts';
import { useErrorCodes } from '../perimeter/error-codes.ts';
import { useLoadShedding } from '../perimeter/load-shedding.ts';
import { useCriticalFailures } from '../perimeter/critical-failures.ts';
import { Deadline } from '../resilience/deadline.ts';
import { criticalServices, type DependencyMap, type ResiliencePolicy } from '../resilience/policy.ts';
import { developmentGraphiQL, renderOfflineGraphiQL } from './graphiql.ts';
import { createLogger, yogaLogger } from './logger.ts';
import { identityReadiness } from './readiness.ts';

/** What every resolver of every BFF gets. A BFF may add its own fields (TV adds the device). */
export interface BffContext<TF extends TitleField = TitleField, UF extends UserField = UserField> {
  viewer: Viewer;
  requestId: string;
  loaders: Loaders<TF, UF>;
  /** For mutations only: reads go through `loaders`. */
  services: ServiceClients;
  call: CallContext;
  /** The clock: injected, so snapshots of "new" badges and token ages are stable. */
  now: () => Date;
  /** The policy's share of the deadline a screen's lists may take (see `listsCutoff`). */
  listsShare: number;
}

export interface CreateBffOptions<TF extends TitleField, UF extends UserField, TExtra extends object> {
  /** `web`, `mobile`, `tv`: used in logs and GraphiQL. */
  client: string;
  typeDefs: string;
  resolvers: IResolvers | IResolvers[];
  config: BffConfig;
  /** The client's deadline, retries, breakers, bulkheads and shedding thresholds. */
  policy: ResiliencePolicy;
  /** What each field reads and whether it is critical; the critical services follow from it. */
  dependencies: DependencyMap;
  /** The sparse fieldsets this client reads from the catalog and the users service. */
  needs: LoaderNeeds<TF, UF>;
  /** What GraphiQL opens with. */
  defaultQuery: string;
  /** Adds per-request fields to the context, from the request (headers). */
  extendContext?: (request: Request) => TExtra;
  /** @default () => new Date() */
  clock?: () => Date;
  /** Share one set of pools between several servers in one process (tests). */
  services?: ServiceClients;
  logger?: Logger;
}

/** What a test or a main file may swap in when it builds a client's BFF. */
export type BffOverrides = Partial<Pick<CreateBffOptions<never, never, object>, 'clock' | 'services' | 'logger'>> & {
  policy?: Partial<ResiliencePolicy>;
};

export type Bff = YogaServerInstance<Record<string, unknown>, Record<string, unknown>> & {
  services: ServiceClients;
  policy: ResiliencePolicy;
  close(): Promise<void>;
};

/**
 * Builds one client's GraphQL server. It does not listen: `serve()` does, and tests drive
 * `bff.fetch()` with no port open.
 */
export function createBff<TF extends TitleField, UF extends UserField, TExtra extends object = object>(
  options: CreateBffOptions<TF, UF, TExtra>,
): Bff {
  const { client, config, needs, extendContext, clock = () => new Date() } = options;
  const policy: ResiliencePolicy = {
    ...options.policy,
    deadlineMs: config.deadlineMs ?? options.policy.deadlineMs,
    connections: config.connections ?? options.policy.connections,
  };
  const ownsServices = !options.services;
  const services = options.services ?? createServiceClients(config.urls, policy);
  const logger = options.logger ?? createLogger(client, config.logLevel);
  const verifyViewer = createViewerVerifier({ identityUrl: config.urls.identity });
  const schema = makeExecutableSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  const deadlines = new WeakMap<Request, Deadline>();

  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    logging: yogaLogger(logger),
    graphiql: config.production ? false : developmentGraphiQL(client, config.urls.identity, options.defaultQuery),
    renderGraphiQL: renderOfflineGraphiQL,
    maskedErrors: { isDev: !config.production },
    plugins: [
      useLoadShedding(policy.shedding),
      useRequestId(),
      useErrorCodes(),
      useGraphQlJit(),
      useCriticalFailures({ critical: criticalServices(options.dependencies) }),
      useReadinessCheck({ endpoint: '/ready', check: identityReadiness(config.urls.identity) }),
      // The response is out: stop the request's deadline timer now rather than when it would fire.
      { onResponse: ({ request }) => deadlines.get(request)?.dispose() },
    ],
    context: async ({ request }) => {
      const viewer = await verifyViewer(request.headers.get('authorization'));
      const id = requestId(request);
      const deadline = Deadline.after(policy.deadlineMs, request.signal);
      deadlines.set(request, deadline);
      const call: CallContext = { token: viewer.token, requestId: id, deadline };
      const base: BffContext<TF, UF> = {
        viewer,
        requestId: id,
        loaders: createLoaders(services, call, viewer.id, needs),
        services,
        call,
        now: clock,
        listsShare: policy.listsShareOfDeadline,
      };
      return { ...base, ...extendContext?.(request) };
    },
  });

  return Object.assign(yoga, {
    services,
    policy,
    close: async () => {
      await yoga.dispose();
      if (ownsServices) await services.close();
    },
  }) as unknown as Bff;
}
