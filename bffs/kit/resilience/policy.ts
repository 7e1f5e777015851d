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
export type DependencyMap = Record<string, { services: readonly import('../config.ts').DownstreamName[]; critical: boolean }>;

export function criticalServices(dependencies: DependencyMap): import('../config.ts').DownstreamName[] {
  return [...new Set(Object.values(dependencies).filter((d) => d.critical).flatMap((d) => d.services))].sort();
}
