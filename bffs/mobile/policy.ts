import type { ResiliencePolicy } from '../kit/resilience/policy.ts';

/**
 * Mobile is the strictest: phones on cellular networks would rather draw a partial home now than
 * a full one late, so the deadline is short and a failing service is given up on quickly.
 */
export const MOBILE_POLICY: ResiliencePolicy = {
  deadlineMs: 1_500,
  listsShareOfDeadline: 0.6,
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, budgetRatio: 0.1, budgetMinPerSecond: 5 },
  breaker: { consecutiveFailures: 5, failureRate: 0.5, window: 20, minimumCalls: 10, halfOpenAfterMs: 5_000 },
  bulkhead: 64,
  connections: 32,
  shedding: { maxInFlight: 256, maxEventLoopDelayMs: 1_000 },
};
