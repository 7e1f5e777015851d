import type { RouteDefinition } from './http/router.ts';
import type { ServiceDeps } from './services/context.ts';
import { identityRoutes } from './services/identity/index.ts';
import { usersRoutes } from './services/users.ts';
import { catalogRoutes } from './services/catalog.ts';
import { recommendationsRoutes } from './services/recommendations.ts';
import { continueWatchingRoutes } from './services/continue-watching.ts';
import { myListRoutes } from './services/my-list.ts';
import { billingRoutes } from './services/billing.ts';
import { reviewsRoutes } from './services/reviews.ts';
import { playbackRoutes } from './services/playback.ts';
import { notificationsRoutes } from './services/notifications.ts';
import { searchService } from './services/search.ts';
import type { GrpcService } from './grpc/server.ts';

/** The REST services, each with its OpenAPI document in `openapi/`. */
export const REST_SERVICE_NAMES = [
  'identity', 'users', 'catalog', 'recommendations', 'continue-watching',
  'my-list', 'billing', 'reviews', 'playback', 'notifications',
] as const;

/** The gRPC services, each with its `.proto` in `proto/`. */
export const GRPC_SERVICE_NAMES = ['search'] as const;

/** Every service, in the order they start: identity first, since the others verify its tokens. */
export const SERVICE_NAMES = [...REST_SERVICE_NAMES, ...GRPC_SERVICE_NAMES] as const;

export type RestServiceName = (typeof REST_SERVICE_NAMES)[number];
export type GrpcServiceName = (typeof GRPC_SERVICE_NAMES)[number];
export type ServiceName = (typeof SERVICE_NAMES)[number];

interface RestServiceSpec {
  port: number;
  routes: (deps: ServiceDeps) => RouteDefinition[] | Promise<RouteDefinition[]>;
}

interface GrpcServiceSpec {
  port: number;
  grpc: (deps: ServiceDeps) => GrpcService;
}

/** The gRPC services' fixed ports. */
export const GRPC_SERVICES: Record<GrpcServiceName, GrpcServiceSpec> = {
  search: { port: 4110, grpc: searchService },
};

export const isGrpcService = (name: ServiceName): name is GrpcServiceName => (GRPC_SERVICE_NAMES as readonly string[]).includes(name);

/** The fixed ports of product.md; tests pass port 0 instead. */
export const REST_SERVICES: Record<RestServiceName, RestServiceSpec> = {
  identity: { port: 4100, routes: identityRoutes },
  users: { port: 4101, routes: usersRoutes },
  catalog: { port: 4102, routes: catalogRoutes },
  recommendations: { port: 4103, routes: recommendationsRoutes },
  'continue-watching': { port: 4104, routes: continueWatchingRoutes },
  'my-list': { port: 4105, routes: myListRoutes },
  billing: { port: 4106, routes: billingRoutes },
  reviews: { port: 4107, routes: reviewsRoutes },
  playback: { port: 4108, routes: playbackRoutes },
  notifications: { port: 4109, routes: notificationsRoutes },
};

/** Every service's fixed port. */
export const SERVICES: Record<ServiceName, RestServiceSpec | GrpcServiceSpec> = { ...REST_SERVICES, ...GRPC_SERVICES };

/** `continue-watching` → `CONTINUE_WATCHING_URL`, as product.md fixes. */
export const urlVariableOf = (name: ServiceName) => `${name.toUpperCase().replace(/-/g, '_')}_URL`;
