import { DOWNSTREAM_DEFAULTS, type DownstreamName } from '../core/services.ts';

/**
 * How one BFF treats its downstream services. Each client has its own (bffs/<client>/policy.ts):
 * mobile is stricter than web, because a phone on a cellular network would rather show a
 * partial screen now than a full one later.
 */
export interface ResiliencePolicy {
  /** Every GraphQL request must answer within this; each downstream call gets what remains. */
  deadlineMs: number;
  /**
   * A screen's lists (continue-watching, my-list, recommendations) must arrive within this
   * share of the deadline, so the title batch after them still has time; a late list fails alone.
   */
  listsShareOfDeadline: number;
  /**
   * Each read from a service that is not critical for this client (`criticalServices`) may take
   * at most this share of the deadline, from the moment it is made, retries included, and never
   * past the deadline. A late one fails only the fields it backs, so a hanging non-critical
   * service costs a screen this long, not the whole deadline. Writes are never cut short.
   */
  nonCriticalShareOfDeadline: number;
  /**
   * Stale-if-error (RFC 5861) for the fields whose resolver opts in (`staleIfError`): when the
   * service behind such a field fails, the field gets the viewer's last good value if it is
   * younger than `maxAgeSeconds`, marked in the response's `extensions.stale`.
   */
  staleIfError: {
    maxAgeSeconds: number;
    /** Values kept in memory, over all viewers; the least recently used go first. */
    maxEntries: number;
  };
  retry: {
    /** Attempts in all, the first included. Only idempotent calls are retried. */
    maxAttempts: number;
    /** Full-jitter exponential backoff: a random wait in [0, min(maxDelayMs, baseDelayMs * 2^n)]. */
    baseDelayMs: number;
    maxDelayMs: number;
    /** Retries may add at most this fraction of the calls made... */
    budgetRatio: number;
    /** ...plus this many per second, so a quiet service can still be retried. */
    budgetMinPerSecond: number;
  };
  breaker: {
    /** Opens after this many failures in a row... */
    consecutiveFailures: number;
    /** ...or when this fraction of the last `window` calls failed (once `minimumCalls` were made). */
    failureRate: number;
    window: number;
    minimumCalls: number;
    /** While open, calls fail at once; after this it lets one probe through. */
    halfOpenAfterMs: number;
  };
  /** Concurrent calls per downstream service; the excess fails at once. */
  bulkhead: number;
  /** Sockets per downstream origin (bounded by the bulkhead anyway). */
  connections: number;
  shedding: {
    /** GraphQL requests in flight above which new ones get 503. */
    maxInFlight: number;
    /** Event-loop delay (p99 over the last second) above which new requests get 503. */
    maxEventLoopDelayMs: number;
  };
}

/**
 * What each field of a client's schema reads, and whether the screen can be drawn without it.
 * Keyed by schema coordinate (`Home.rows`). A critical field is non-null in the SDL, so its
 * failure fails the screen (503); every other one is nullable and fails alone. A test holds the
 * SDL to this table.
 */
export type DependencyMap = Record<string, { services: readonly DownstreamName[]; critical: boolean }>;

export function criticalServices(dependencies: DependencyMap): DownstreamName[] {
  return [...new Set(Object.values(dependencies).filter((d) => d.critical).flatMap((d) => d.services))].sort();
}

/**
 * The time each read from a non-critical service may take, per service: every downstream service
 * that backs no critical field of this client. A critical service gets the whole deadline: the
 * screen is not drawn without it anyway.
 */
export function nonCriticalBudgets(dependencies: DependencyMap, policy: Pick<ResiliencePolicy, 'deadlineMs' | 'nonCriticalShareOfDeadline'>): Partial<Record<DownstreamName, number>> {
  const critical = new Set(criticalServices(dependencies));
  const budgetMs = Math.round(policy.deadlineMs * policy.nonCriticalShareOfDeadline);
  const services = (Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).filter((service) => service !== 'identity' && !critical.has(service));
  return Object.fromEntries(services.map((service) => [service, budgetMs]));
}
