import type { ResiliencePolicy } from '../kit/resilience/policy.ts';

/** Web is the most patient: desktop networks are fast, and a rich page is worth a retry. */
export const WEB_POLICY: ResiliencePolicy = {
  deadlineMs: 3_000,
  listsShareOfDeadline: 0.6,
  retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 250, budgetRatio: 0.1, budgetMinPerSecond: 10 },
  breaker: { consecutiveFailures: 10, failureRate: 0.5, window: 40, minimumCalls: 20, halfOpenAfterMs: 10_000 },
  bulkhead: 128,
  connections: 64,
  shedding: { maxInFlight: 512, maxEventLoopDelayMs: 1_500 },
};
