import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import type { ContractUsage } from '../contracts/usage.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { Metrics } from './metrics.ts';
import { RequestObservation, type AttemptObservation, type CacheResult, type DownstreamProtocol, type ObservationSink } from './request-observation.ts';
import { endSpan, traceIdOf, type Tracing } from './tracing.ts';

export interface ObserverOptions {
  /** The GraphQL endpoint: its requests are the ones counted as GraphQL requests. */
  endpoint: string;
  logger: Logger;
  /** Off (`METRICS=off`) only to measure what they cost. */
  metrics: Metrics | undefined;
  tracing: Tracing | undefined;
}

/** What the gauges read of each service's guard (downstream/service-guard.ts). */
export interface GuardGauges {
  readonly service: string;
  readonly breaker: Pick<CircuitBreakerPolicy, 'state' | 'onStateChange'>;
  readonly inFlight: number;
  readonly capacity: number;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;
/** Outcomes of a downstream attempt that are not the service's failure, so not logged as one. */
const QUIET_OUTCOMES = new Set(['ok', 'not_modified', 'NOT_FOUND', 'CLIENT_CLOSED_REQUEST']);

/**
 * Turns each request's observation into its metrics, its access line and its span, once, when
 * the answer has gone out, whichever transport served it (the fast lane or yoga's path, through
 * yoga-observation.ts). test/observability holds the two paths to the same series.
 */
export class Observer implements ObservationSink {
  readonly logger: Logger;
  private readonly endpoint: string;
  private readonly metrics: Metrics | undefined;
  private readonly tracing: Tracing | undefined;
  private readonly accessLog: boolean;

  constructor({ endpoint, logger, metrics, tracing }: ObserverOptions) {
    this.endpoint = endpoint;
    this.logger = logger;
    this.metrics = metrics;
    this.tracing = tracing;
    this.accessLog = logger.isLevelEnabled('info');
  }

  begin(method: string, path: string, headers: RequestHeaders, requestId: string): RequestObservation {
    const span = this.tracing?.startRequest(method, path, headers, requestId);
    const traceId = span ? span.spanContext().traceId : traceIdOf(headers.get('traceparent'));
    return new RequestObservation(this, requestId, method, path, span, traceId);
  }

  /** The answer has gone out (or the client left: 499). Records it once, whoever calls. */
  end(observation: RequestObservation, status: number): void {
    if (observation.ended) return;
    observation.ended = true;
    const durationMs = performance.now() - observation.startedAt;
    const code = observation.codes[0] ?? 'none';
    const { version, operation, type } = observation;
    const metrics = this.metrics;
    if (metrics && observation.path === this.endpoint) {
      const statusClass = `${Math.trunc(status / 100)}xx`;
      metrics.requests.inc({ version, operation, type, status: statusClass, code });
      metrics.requestDuration.observe({ version, operation, type, status: statusClass }, durationMs / 1000);
      if (!observation.admitted && code !== 'none') metrics.rejections.inc({ code });
      if (status === 304) metrics.cache.inc({ cache: 'http', result: 'not_modified' });
    }
    if (this.accessLog) {
      this.logger.info(
        {
          request_id: observation.requestId,
          ...(observation.traceId ? { trace_id: observation.traceId } : {}),
          method: observation.method,
          path: observation.path,
          version,
          operation,
          status,
          duration_ms: Math.round(durationMs * 10) / 10,
          ...(observation.codes.length ? { codes: observation.codes } : {}),
          ...(observation.responseCache ? { response_cache: observation.responseCache } : {}),
          ...observation.annotations,
        },
        'request',
      );
    }
    if (observation.span) endSpan(observation.span, status, code === 'none' ? undefined : code);
  }

  /**
   * A request refused at the door, on any path, before a transport saw it (a bad `Host` or
   * target, server/front-door.ts): counted and logged here, as it never reaches `end()`.
   */
  refusedAtDoor(code: string, method: string | undefined, requestId: string): void {
    this.metrics?.rejections.inc({ code });
    if (this.accessLog) this.logger.info({ request_id: requestId, method, code }, 'refused at the door');
  }

  /**
   * A failure no handler answered: the last resort (server/last-resort.ts) answered 500 with the
   * catalog's body. Its stack goes to the log and never to the client.
   */
  unexpected(error: unknown, transport: 'fast_lane' | 'yoga', details: Record<string, unknown>): void {
    this.metrics?.unexpectedFailures.inc({ transport });
    this.logger.error({ err: error, transport, ...details }, 'unexpected failure: answered 500 INTERNAL_SERVER_ERROR');
  }

  cacheLookup(cache: 'response' | 'title', result: CacheResult, count: number): void {
    this.metrics?.cache.inc({ cache, result }, count);
  }

  attempt(observation: RequestObservation, service: string, route: string, method: string, retry: boolean, protocol: DownstreamProtocol = 'http'): AttemptObservation {
    const metrics = this.metrics;
    if (retry) metrics?.downstreamRetries.inc({ service, route });
    const startedAt = performance.now();
    const traced = observation.span && (protocol === 'grpc' ? this.startRpc(observation.span, service, route) : this.tracing?.startCall(observation.span, `${method} ${route}`, { 'http.request.method': method, 'url.template': route, 'server.address': service, 'peer.service': service }));
    return {
      headers: traced?.headers ?? NO_HEADERS,
      end: (outcome, status, downstreamCode) => {
        metrics?.downstreamRequests.inc({ service, route, outcome });
        metrics?.downstreamDuration.observe({ service, route, outcome }, (performance.now() - startedAt) / 1000);
        if (traced?.span) endSpan(traced.span, status ?? 0, outcome === 'ok' || outcome === 'not_modified' ? undefined : outcome);
        if (!QUIET_OUTCOMES.has(outcome)) observation.log.warn({ service, route, outcome, ...(status ? { downstream_status: status } : {}), ...(downstreamCode ? { downstream_code: downstreamCode } : {}) }, `${service} call failed: ${outcome}`);
      },
    };
  }

  /** A gRPC call's span, as OpenTelemetry's RPC conventions name it: `package.Service/Method`, with `rpc.*` attributes. */
  private startRpc(parent: NonNullable<RequestObservation['span']>, service: string, route: string) {
    const slash = route.lastIndexOf('/');
    return this.tracing?.startCall(parent, route.slice(1), { 'rpc.system': 'grpc', 'rpc.service': route.slice(1, slash), 'rpc.method': route.slice(slash + 1), 'server.address': service, 'peer.service': service });
  }

  /** A call refused before it was made (open circuit, full bulkhead): counted, never timed. */
  refusedCall(service: string, route: string, outcome: string): void {
    this.metrics?.downstreamRequests.inc({ service, route, outcome });
  }

  /**
   * Gauges read at scrape time from the live objects, and breaker transitions logged as they
   * happen. Breakers and bulkheads are per process (as Hystrix, Polly and resilience4j advise),
   * so each replica reports its own.
   */
  /** The live updates' gauges: open WebSockets, live connections (WebSockets and SSE streams), subscriptions by topic. */
  watchLive({ sockets, connections, subscriptions }: { sockets: () => number; connections: () => number; subscriptions: () => Record<string, number> }): void {
    const metrics = this.metrics;
    if (!metrics) return;
    metrics.gauge('concierge_live_sockets', 'WebSockets open at this replica', [], (gauge) => gauge.set(sockets()));
    metrics.gauge('concierge_live_connections', 'Live connections at this replica: WebSockets and SSE subscriptions', [], (gauge) => gauge.set(connections()));
    metrics.gauge('concierge_live_subscriptions', 'Subscriptions open at this replica, by topic (the service whose events they follow)', ['topic'], (gauge) => {
      for (const [topic, count] of Object.entries(subscriptions())) gauge.set({ topic }, count);
    });
  }

  watch({ guards, shedder, usage, deadlineMs }: { guards: readonly GuardGauges[]; shedder: { readonly inFlightCount: number }; usage: ContractUsage; deadlineMs: number }): void {
    for (const guard of guards) {
      guard.breaker.onStateChange((state) => {
        const name = BREAKER_STATES[state] ?? String(state);
        if (name === 'closed') this.logger.info({ service: guard.service, breaker: name }, `${guard.service}: circuit closed again`);
        else this.logger.warn({ service: guard.service, breaker: name }, `${guard.service}: circuit ${name}`);
      });
    }
    const metrics = this.metrics;
    if (!metrics) return;
    metrics.gauge('concierge_breaker_state', 'Circuit breaker per downstream service: 0 closed, 1 open, 2 half-open, 3 isolated', ['service'], (gauge) => {
      for (const guard of guards) gauge.set({ service: guard.service }, guard.breaker.state);
    });
    metrics.gauge('concierge_bulkhead_in_use', 'Calls in flight per downstream service, against its bulkhead', ['service'], (gauge) => {
      for (const guard of guards) gauge.set({ service: guard.service }, guard.inFlight);
    });
    metrics.gauge('concierge_bulkhead_capacity', 'The bulkhead per downstream service: the most calls in flight at once', ['service'], (gauge) => {
      for (const guard of guards) gauge.set({ service: guard.service }, guard.capacity);
    });
    // The alert "p99 over the deadline" compares with this, so no rule hard-codes a client's deadline.
    metrics.gauge('concierge_deadline_seconds', "The client's request deadline", [], (gauge) => gauge.set(deadlineMs / 1000));
    metrics.gauge('concierge_requests_in_flight', 'GraphQL and sign-in requests being answered, which load shedding bounds', [], (gauge) => gauge.set(shedder.inFlightCount));
    metrics.mirroredCounter('concierge_deprecated_field_requests_total', 'Requests selecting a deprecated field, by app version and field (contracts/usage.ts)', ['version', 'field'], (counter) => {
      for (const { version, name, count } of usage.snapshot().deprecatedFields) counter.inc({ version, field: name }, count);
    });
  }

  /** Sends what the tracer buffered (graceful shutdown). */
  async close(): Promise<void> {
    // A collector that is down loses the last spans; it must not fail the shutdown (exit 0).
    await this.tracing?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'traces: the last spans could not be exported'));
  }
}

/** cockatiel's CircuitState, by value. */
const BREAKER_STATES: Record<number, string> = { 0: 'closed', 1: 'open', 2: 'half-open', 3: 'isolated' };
