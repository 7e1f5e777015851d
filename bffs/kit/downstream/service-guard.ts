import { bulkhead, type BulkheadPolicy, type CircuitBreakerPolicy } from 'cockatiel';
import type { DownstreamName } from '../core/services.ts';
import { createBreaker } from '../resilience/breaker.ts';
import type { ResiliencePolicy } from '../resilience/policy.ts';
import type { Layer } from './call.ts';
import { breakerLayer, tripsBreaker } from './layers/breaker.ts';
import { bulkheadLayer } from './layers/bulkhead.ts';
import { credentialsLayer } from './layers/credentials.ts';
import { observeAttemptLayer, observeRefusalLayer } from './layers/observe.ts';
import { retryLayer } from './layers/retry.ts';
import { timeLeftLayer } from './layers/time-left.ts';

/**
 * The layers between a service's client and the wire, for one downstream service, holding what
 * its calls share (the retry budget, the breaker, the bulkhead). Outermost first:
 * the service's token → retry → time left → refusals observed → breaker → bulkhead → attempt
 * observed → the attempt.
 * Each layer is a file of layers/ with one job; this only orders them, and shows the breaker
 * and the bulkhead to the gauges (observability/observer.ts).
 */
export class ServiceGuard {
  readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  readonly layers: readonly Layer[];

  constructor(
    readonly service: DownstreamName,
    private readonly policy: ResiliencePolicy,
  ) {
    this.breaker = createBreaker(policy.breaker, tripsBreaker);
    this.bulkhead = bulkhead(policy.bulkhead, 0);
    this.layers = [credentialsLayer, retryLayer(policy.retry), timeLeftLayer, observeRefusalLayer, breakerLayer(this.breaker), bulkheadLayer(this.bulkhead, policy.bulkhead), observeAttemptLayer];
  }

  /** Calls in flight now, and the most the bulkhead lets through at once (metrics). */
  get inFlight(): number {
    return this.policy.bulkhead - this.bulkhead.executionSlots;
  }

  get capacity(): number {
    return this.policy.bulkhead;
  }
}
