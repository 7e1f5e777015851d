import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, BulkheadRejectedError, bulkhead, type BulkheadPolicy, type CircuitBreakerPolicy } from 'cockatiel';
import type { GraphQLError } from 'graphql';
import { concierge, type ErrorCode } from '../errors.ts';
import type { DownstreamName } from '../config.ts';
import { createBreaker } from './breaker.ts';
import type { Deadline } from './deadline.ts';
import type { ResiliencePolicy } from './policy.ts';
import { RetryBudget } from './retry-budget.ts';

/** Set by the HTTP layer on errors whose response carried `Retry-After`. */
export const RETRY_AFTER_MS = Symbol('retryAfterMs');

/** Failures that say the service is unhealthy: they trip the breaker and may be retried. */
const UNHEALTHY = new Set<unknown>(['DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_UNAVAILABLE', 'DOWNSTREAM_BAD_RESPONSE']);
const codeOf = (error: unknown) => (error as GraphQLError | undefined)?.extensions?.code;

export interface GuardedCall {
  /** Only idempotent calls are retried. */
  idempotent: boolean;
  deadline: Deadline;
}

/**
 * Everything between a service client and the wire, for one downstream service:
 * retry (outermost, deadline- and budget-aware) → circuit breaker → bulkhead → the attempt.
 * Retries are hand-written because they must honour Retry-After and a shared retry budget,
 * which cockatiel's retry cannot; the breaker and the bulkhead are cockatiel's.
 */
export class ServiceGuard {
  readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly budget: RetryBudget;

  constructor(
    readonly service: DownstreamName,
    private readonly policy: ResiliencePolicy,
  ) {
    this.breaker = createBreaker(policy.breaker, (error) => UNHEALTHY.has(codeOf(error)));
    this.bulkhead = bulkhead(policy.bulkhead, 0);
    this.budget = new RetryBudget(policy.retry.budgetRatio, policy.retry.budgetMinPerSecond);
  }

  async run<T>({ idempotent, deadline }: GuardedCall, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    this.budget.recordCall();
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (deadline.clientGone) throw this.error('CLIENT_CLOSED_REQUEST', `${this.service} was not called: the client went away`);
      const remaining = deadline.remainingMs();
      if (remaining === 0) throw this.error('DOWNSTREAM_TIMEOUT', `${this.service} was not called: the request deadline has passed`);
      try {
        return await this.breaker.execute(() => this.bulkhead.execute(() => attempt(remaining)));
      } catch (caught) {
        const error = this.translate(caught);
        if (!idempotent || attemptNumber >= this.policy.retry.maxAttempts || !UNHEALTHY.has(codeOf(error))) throw error;
        const delay = (caught as { [RETRY_AFTER_MS]?: number })[RETRY_AFTER_MS] ?? this.backoff(attemptNumber);
        // A retry that cannot finish before the deadline only adds load.
        if (delay >= deadline.remainingMs() || !this.budget.tryRetry()) throw error;
        try {
          await sleep(delay, undefined, { signal: deadline.signal });
        } catch {
          throw error;
        }
      }
    }
  }

  /** Full jitter: a random wait up to the exponential step, so retries from many requests spread out. */
  private backoff(attemptNumber: number): number {
    const { baseDelayMs, maxDelayMs } = this.policy.retry;
    return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attemptNumber - 1));
  }

  private translate(error: unknown): unknown {
    if (error instanceof BrokenCircuitError) {
      return this.error('CIRCUIT_OPEN', `${this.service} is failing; its circuit is open, so it was not called`);
    }
    if (error instanceof BulkheadRejectedError) {
      return this.error('DOWNSTREAM_BUSY', `${this.service} already has ${this.policy.bulkhead} calls in flight`);
    }
    return error;
  }

  private error(code: ErrorCode, message: string): GraphQLError {
    return concierge(code, message, { service: this.service });
  }
}
