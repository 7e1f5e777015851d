import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { talliedCounter, TalliedHistogram } from './tallies.ts';

/**
 * Latency buckets in seconds, from a cache hit (under a millisecond) to past the longest client
 * deadline (TV's 2.5 s): histograms, not summaries, so the replicas' series add up in Prometheus.
 */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DOWNSTREAM_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The BFF's Prometheus series, on a registry of its own (the admin port serves it). Every label
 * value is bounded by the code that sets it, never by the client: operation names come only from
 * trusted documents, versions only from the client's releases (contracts/usage.ts), services and
 * routes from the service clients' own route templates, codes from the error catalog.
 *
 * The kit records them itself (observer.ts), once for both transports: the fast lane and
 * graphql-jit are invisible to envelop's prometheus plugin. The series every request and every
 * downstream call records are tallied in place and read at scrape time (tallies.ts); the rest are
 * prom-client's own.
 */
export function createMetrics(client: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ client });
  collectDefaultMetrics({ register: registry, prefix: 'concierge_' });
  const registers = [registry];

  return {
    registry,
    liveEvents: new Counter({
      name: 'concierge_live_events_delivered_total',
      help: 'Events handed to a subscription (WebSocket or SSE), by topic (the service that published them)',
      labelNames: ['topic'],
      registers,
    }),
    liveEventDelay: new Histogram({
      name: 'concierge_live_event_delay_seconds',
      help: "Time from the service's write of an event (its id) to its handing to a subscription's transport",
      labelNames: ['topic'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    liveFeedDelay: new Histogram({
      name: 'concierge_live_feed_delay_seconds',
      help: "Time from the service's write of an event (its id) to its arrival at this replica from the feed (service SSE or Redis Streams), before any subscription: with concierge_live_event_delay_seconds, what is the feed's and what is the fan-out's",
      labelNames: ['topic'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    requests: talliedCounter({
      name: 'concierge_graphql_requests_total',
      help: 'GraphQL requests answered, by app version, operation (trusted documents only, else "other"), type, status class and first error code ("none")',
      labelNames: ['version', 'operation', 'type', 'status', 'code'],
      registers,
    }),
    requestDuration: new TalliedHistogram(
      'concierge_graphql_request_duration_seconds',
      'Time from the request arriving to its answer being handed to the socket',
      ['version', 'operation', 'type', 'status'],
      REQUEST_BUCKETS,
      registers,
    ),
    rejections: new Counter({
      name: 'concierge_rejections_total',
      help: 'Requests refused before execution (a bad Host or target on any path, load shedding, rate limits, the perimeter), by error code',
      labelNames: ['code'],
      registers,
    }),
    unexpectedFailures: new Counter({
      name: 'concierge_unexpected_failures_total',
      help: 'Failures no handler answered (a bug, or a request the libraries could not take), answered 500 INTERNAL_SERVER_ERROR by the last resort, by transport ("fast_lane", "yoga")',
      labelNames: ['transport'],
      registers,
    }),
    downstreamRequests: talliedCounter({
      name: 'concierge_downstream_requests_total',
      help: 'Calls to downstream services (each attempt), by service, route template and outcome ("ok", "not_modified" or the error code)',
      labelNames: ['service', 'route', 'outcome'],
      registers,
    }),
    downstreamDuration: new TalliedHistogram(
      'concierge_downstream_request_duration_seconds',
      'Time of one downstream attempt, from dispatch to the whole body',
      ['service', 'route', 'outcome'],
      DOWNSTREAM_BUCKETS,
      registers,
    ),
    downstreamRetries: new Counter({
      name: 'concierge_downstream_retries_total',
      help: 'Downstream attempts that were retries of a failed one',
      labelNames: ['service', 'route'],
      registers,
    }),
    cache: talliedCounter({
      name: 'concierge_cache_requests_total',
      help: 'Cache lookups by cache ("response", "title", "http" for conditional requests) and result ("hit", "miss", "stale", "not_modified")',
      labelNames: ['cache', 'result'],
      registers,
    }),
    sessions: new Counter({
      name: 'concierge_sessions_total',
      help: 'Session events (web cookie sessions, TV device sessions): "started", "refreshed", "refresh_failed", "ended", "store_unavailable"',
      labelNames: ['event'],
      registers,
    }),
    /** A wing's own counter on this registry (the flags' evaluations). */
    counter: (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers }),
    /** Read at scrape time from the live objects (observer.ts wires them). */
    gauge: (name: string, help: string, labelNames: string[], collect: (gauge: Gauge<string>) => void) =>
      new Gauge({ name, help, labelNames, registers, collect() { collect(this); } }),
    /** A counter whose values live elsewhere (the contract usage counts), copied at scrape time. */
    mirroredCounter: (name: string, help: string, labelNames: string[], collect: (counter: Counter<string>) => void) =>
      new Counter({ name, help, labelNames, registers, collect() { this.reset(); collect(this); } }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
