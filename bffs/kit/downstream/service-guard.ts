import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, BulkheadRejectedError, bulkhead, type BulkheadPolicy, type CircuitBreakerPolicy } from 'cockatiel';
import type { GraphQLError } from 'graphql';
import { concierge, type ErrorCode } from '../errors.ts';
import type { DownstreamName } from '../core/services.ts';
import { createBreaker } from './breaker.ts';
import type { Deadline } from './deadline.ts';
import type { ResiliencePolicy } from './policy.ts';
import { RetryBudget } from './retry-budget.ts';

/** Set by the HTTP layer on errors whose response carried `Retry-After`. */
export const RETRY_AFTER_MS = Symbol('retryAfterMs');
/** Set on the errors of calls never made because the time was already up: consequences, not causes. */
const NOT_CALLED = Symbol('notCalled');

/**
 * The `Retry-After` the service sent with this failure, in ms, if any. Reads through graphql-js's
 * located error to the service's own.
 */
export function downstreamRetryAfterMs(error: unknown): number | undefined {
  return (ownError(error) as { [RETRY_AFTER_MS]?: number } | undefined)?.[RETRY_AFTER_MS];
}

/** Whether the failure is a call skipped because the request's time (or the call's budget) was up. */
export function wasNotCalled(error: unknown): boolean {
  return (ownError(error) as { [NOT_CALLED]?: boolean } | undefined)?.[NOT_CALLED] === true;
}

function ownError(error: unknown): unknown {
  return (error as GraphQLError | undefined)?.originalError ?? error;
}

/** Failures that say the service is unhealthy: they trip the breaker and may be retried. */
const UNHEALTHY = new Set<unknown>(['DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_UNAVAILABLE', 'DOWNSTREAM_BAD_RESPONSE']);
const codeOf = (error: unknown) => (error as GraphQLError | undefined)?.extensions?.code;

export interface GuardedCall {
  /** Only idempotent calls are retried. */
  idempotent: boolean;
  deadline: Deadline;
  /**
   * The most this call may take from now, its retries included (a non-critical read's budget,
   * `nonCriticalBudgets`); the deadline still applies. Unset: until the deadline.
   */
  budgetMs?: number;
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
  /** Until when (ms since the epoch) the service last asked not to be called again (`Retry-After`). */
  private retryAfterUntil = 0;

  constructor(
    readonly service: DownstreamName,
    private readonly policy: ResiliencePolicy,
  ) {
    this.breaker = createBreaker(policy.breaker, (error) => UNHEALTHY.has(codeOf(error)));
    this.bulkhead = bulkhead(policy.bulkhead, 0);
    this.budget = new RetryBudget(policy.retry.budgetRatio, policy.retry.budgetMinPerSecond);
  }

  /** Calls in flight now, and the most the bulkhead lets through at once (metrics). */
  get inFlight(): number {
    return this.policy.bulkhead - this.bulkhead.executionSlots;
  }

  get capacity(): number {
    return this.policy.bulkhead;
  }

  /**
   * `attempt` gets the time it may take: what remains of the deadline, or of the call's budget
   * when that ends first.
   */
  async run<T>({ idempotent, deadline, budgetMs }: GuardedCall, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    this.budget.recordCall();
    const budgetEndsAt = budgetMs === undefined ? Infinity : Date.now() + budgetMs;
    const timeLeft = () => Math.max(0, Math.min(deadline.remainingMs(), budgetEndsAt - Date.now()));
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (deadline.clientGone) throw this.error('CLIENT_CLOSED_REQUEST', `${this.service} was not called: the client went away`);
      const remaining = timeLeft();
      if (remaining === 0) {
        throw notCalled(this.error('DOWNSTREAM_TIMEOUT', deadline.remainingMs() === 0 ? `${this.service} was not called: the request deadline has passed` : `${this.service} was not called: its budget of ${budgetMs} ms is spent`));
      }
      try {
        return await this.breaker.execute(() => this.bulkhead.execute(() => attempt(remaining)));
      } catch (caught) {
        const error = this.translate(caught);
        this.noteRetryAfter(error);
        if (!idempotent || attemptNumber >= this.policy.retry.maxAttempts || !UNHEALTHY.has(codeOf(error))) throw error;
        const delay = (caught as { [RETRY_AFTER_MS]?: number })[RETRY_AFTER_MS] ?? this.backoff(attemptNumber);
        // A retry that cannot finish before the deadline (or the budget) only adds load.
        if (delay >= timeLeft() || !this.budget.tryRetry()) throw error;
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

  /**
   * A service that said when to come back keeps saying it while its circuit is open: the open
   * circuit's error carries what is left of the service's last `Retry-After`, so a 503 it causes
   * does not tell clients to come back sooner than the service asked.
   */
  private noteRetryAfter(error: unknown): void {
    const sent = (error as { [RETRY_AFTER_MS]?: number })[RETRY_AFTER_MS];
    if (sent !== undefined && codeOf(error) !== 'CIRCUIT_OPEN') this.retryAfterUntil = Math.max(this.retryAfterUntil, Date.now() + sent);
  }

  private translate(error: unknown): unknown {
    if (error instanceof BrokenCircuitError) {
      const error = this.error('CIRCUIT_OPEN', `${this.service} is failing; its circuit is open, so it was not called`);
      const left = this.retryAfterUntil - Date.now();
      return left > 0 ? Object.assign(error, { [RETRY_AFTER_MS]: left }) : error;
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

function notCalled(error: GraphQLError): GraphQLError {
  return Object.assign(error, { [NOT_CALLED]: true });
}
