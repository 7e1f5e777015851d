import type { DownstreamName, DownstreamUrls } from '../core/services.ts';
import type { ResiliencePolicy } from '../resilience/policy.ts';
import { ServiceGuard } from './service-guard.ts';
import { DownstreamHttp } from './http-client.ts';
import { usersClient } from './services/users.ts';
import { catalogClient } from './services/catalog.ts';
import { recommendationsClient } from './services/recommendations.ts';
import { continueWatchingClient } from './services/continue-watching.ts';
import { myListClient } from './services/my-list.ts';
import { billingClient } from './services/billing.ts';
import { reviewsClient } from './services/reviews.ts';
import { playbackClient } from './services/playback.ts';
import { notificationsClient } from './services/notifications.ts';
import { searchClient, titleSearchDefinition } from './services/search.ts';
import { DownstreamGrpc } from './grpc-client.ts';

export type { CallContext } from './http-client.ts';

/** How a service's HTTP client is made: production's DownstreamHttp, or one that also watches what is read (scripts/pact/). */
export type HttpFactory = (...args: ConstructorParameters<typeof DownstreamHttp>) => DownstreamHttp;
const newHttp: HttpFactory = (...args) => new DownstreamHttp(...args);

/**
 * One typed client per downstream service, each on its own connection pool and behind its own
 * guard (breaker, bulkhead, retry budget), so one failing service never spends another's
 * sockets. Built once per process and shared by every request. Search speaks gRPC
 * (grpc-client.ts), behind the same kind of guard.
 */
export function createServiceClients(urls: DownstreamUrls, policy: ResiliencePolicy, makeHttp: HttpFactory = newHttp) {
  const pools = new Map<DownstreamName, { close(): Promise<void> }>();
  const guards: ServiceGuard[] = [];
  const http = (name: DownstreamName) => {
    const guard = new ServiceGuard(name, policy);
    guards.push(guard);
    const client = makeHttp(name, urls[name], { guard, connections: policy.connections, maxTimeoutMs: policy.deadlineMs });
    pools.set(name, client);
    return client;
  };
  const search = new ServiceGuard('search', policy);
  guards.push(search);
  const searchChannel = new DownstreamGrpc('search', urls.search, titleSearchDefinition(), { guard: search });
  pools.set('search', searchChannel);
  return {
    users: usersClient(http('users')),
    catalog: catalogClient(http('catalog')),
    recommendations: recommendationsClient(http('recommendations')),
    continueWatching: continueWatchingClient(http('continue-watching')),
    myList: myListClient(http('my-list')),
    billing: billingClient(http('billing')),
    reviews: reviewsClient(http('reviews')),
    playback: playbackClient(http('playback')),
    notifications: notificationsClient(http('notifications')),
    search: searchClient(searchChannel),
    /** Each service's guard, for the breaker and bulkhead gauges (observability/observer.ts). */
    guards: guards as readonly ServiceGuard[],
    close: () => Promise.all([...pools.values()].map((pool) => pool.close())).then(() => undefined),
  };
}

export type ServiceClients = ReturnType<typeof createServiceClients>;
