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

export const SERVICE_NAMES = [
  'identity', 'users', 'catalog', 'recommendations', 'continue-watching',
  'my-list', 'billing', 'reviews', 'playback', 'notifications',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

interface ServiceSpec {
  port: number;
  routes: (deps: ServiceDeps) => RouteDefinition[] | Promise<RouteDefinition[]>;
}

/** The fixed ports of product.md; tests pass port 0 instead. */
export const SERVICES: Record<ServiceName, ServiceSpec> = {
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

/** `continue-watching` → `CONTINUE_WATCHING_URL`, as product.md fixes. */
export const urlVariableOf = (name: ServiceName) => `${name.toUpperCase().replace(/-/g, '_')}_URL`;
