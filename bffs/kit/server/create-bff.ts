import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLError } from 'graphql';
import { createYoga, maskError, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Logger } from 'pino';
import type { BffConfig } from '../config.ts';
import { createServiceClients, type ServiceClients } from '../downstream/index.ts';
import type { LoaderNeeds } from '../loaders/index.ts';
import type { TitleField } from '../downstream/services/catalog.ts';
import type { UserField } from '../downstream/services/users.ts';
import { createViewerVerifier } from '../perimeter/viewer.ts';
import { requestId, useRequestId } from '../perimeter/request-id.ts';
import { useErrorCodes } from '../perimeter/error-codes.ts';
import { LoadShedder, useLoadShedding } from '../perimeter/load-shedding.ts';
import { criticalFailureChecker, useCriticalFailures } from '../perimeter/critical-failures.ts';
import { Deadline } from '../resilience/deadline.ts';
import { criticalServices, type DependencyMap, type ResiliencePolicy } from '../resilience/policy.ts';
import { createContextFactory, type RequestHeaders } from './context.ts';
import { CORS_OPTIONS } from './cors.ts';
import { createFastLane, type NodeListener } from './fast-lane.ts';
import { developmentGraphiQL, renderOfflineGraphiQL } from './graphiql.ts';
import { createLogger, yogaLogger } from './logger.ts';
import { identityReadiness } from './readiness.ts';

export type { BffContext } from './context.ts';

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
  /** Adds per-request fields to the context, from the request headers (TV's device). */
  extendContext?: (headers: RequestHeaders) => TExtra;
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
  /**
   * What node:http serves: the fast lane for plain `POST /graphql`, yoga for the rest. (`fetch`
   * is yoga alone, every request on its full path.)
   */
  nodeListener: NodeListener;
  close(): Promise<void>;
};

const GRAPHQL_ENDPOINT = '/graphql';
const MASKED_MESSAGE = 'Unexpected error.';

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
  const schema = makeExecutableSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  const shedder = new LoadShedder(policy.shedding);
  const critical = { critical: criticalServices(options.dependencies) };
  const buildContext = createContextFactory({
    verifyViewer: createViewerVerifier({ identityUrl: config.urls.identity }),
    services,
    needs,
    clock,
    listsShare: policy.listsShareOfDeadline,
    extendContext,
  });
  const deadlines = new WeakMap<Request, Deadline>();

  const yoga = createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    cors: CORS_OPTIONS,
    logging: yogaLogger(logger),
    graphiql: config.production ? false : developmentGraphiQL(client, config.urls.identity, options.defaultQuery),
    renderGraphiQL: renderOfflineGraphiQL,
    maskedErrors: { isDev: !config.production, errorMessage: MASKED_MESSAGE },
    // A plugin added here runs on yoga's path only: the fast lane takes plain POSTs without
    // envelop. Give the lane the same behaviour (as shedding, request ids, masking and critical
    // failures have), or leave the plugin's requests to yoga in fast-lane.ts.
    plugins: [
      useLoadShedding(shedder, GRAPHQL_ENDPOINT),
      useRequestId(),
      useErrorCodes(),
      useGraphQlJit(),
      useCriticalFailures(critical),
      useReadinessCheck({ endpoint: '/ready', check: identityReadiness(config.urls.identity) }),
      // The response is out: stop the request's deadline timer now rather than when it would fire.
      { onResponse: ({ request }) => deadlines.get(request)?.dispose() },
    ],
    context: ({ request }) => {
      const deadline = Deadline.after(policy.deadlineMs, request.signal);
      deadlines.set(request, deadline);
      return buildContext({ headers: request.headers, requestId: requestId(request), deadline });
    },
  });

  const nodeListener: NodeListener =
    config.fastLane === false
      ? yoga
      : createFastLane({
          schema,
          endpoint: GRAPHQL_ENDPOINT,
          shedder,
          deadlineMs: policy.deadlineMs,
          buildContext,
          maskError: yogaMasking(yoga, !config.production),
          replaceResult: criticalFailureChecker(critical),
          yoga,
          yogaFetch: (url, init) => Promise.resolve(yoga.fetch(url, init)),
        });

  return Object.assign(yoga, {
    services,
    policy,
    nodeListener,
    close: async () => {
      await yoga.dispose();
      if (ownsServices) await services.close();
    },
  }) as unknown as Bff;
}

/**
 * yoga's masking as yoga applies it (server.js): its `maskError`, and the original error logged
 * whenever it was masked, so the fast lane hides and logs exactly what yoga's path does.
 */
function yogaMasking(yoga: { logger: { error(...args: unknown[]): void } }, isDev: boolean): (error: unknown) => GraphQLError {
  return (error) => {
    const masked = maskError(error, MASKED_MESSAGE, isDev) as GraphQLError;
    if (masked !== error) yoga.logger.error(error);
    return masked;
  };
}
