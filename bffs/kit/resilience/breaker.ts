import {
  ConsecutiveBreaker, CountBreaker, circuitBreaker, handleWhen,
  type CircuitBreakerPolicy, type CircuitState, type IBreaker,
} from 'cockatiel';
import type { ResiliencePolicy } from './policy.ts';

/** Opens when either breaker would: a run of failures, or a high failure rate over a window. */
class EitherBreaker implements IBreaker {
  constructor(private readonly breakers: IBreaker[]) {}

  get state(): unknown {
    return this.breakers.map((b) => b.state);
  }

  set state(value: unknown) {
    (value as unknown[]).forEach((s, i) => (this.breakers[i]!.state = s));
  }

  success(state: CircuitState): void {
    for (const breaker of this.breakers) breaker.success(state);
  }

  failure(state: CircuitState): boolean {
    // Every breaker sees every failure, so each keeps an honest count.
    return this.breakers.map((breaker) => breaker.failure(state)).some(Boolean);
  }
}

/**
 * One circuit breaker per downstream service (cockatiel). `countsAsFailure` decides what trips
 * it: a 404 or a refused input is the caller's problem, not the service's health.
 */
export function createBreaker(policy: ResiliencePolicy['breaker'], countsAsFailure: (error: Error) => boolean): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(countsAsFailure), {
    halfOpenAfter: policy.halfOpenAfterMs,
    breaker: new EitherBreaker([
      new ConsecutiveBreaker(policy.consecutiveFailures),
      new CountBreaker({ threshold: policy.failureRate, size: policy.window, minimumNumberOfCalls: policy.minimumCalls }),
    ]),
  });
}
