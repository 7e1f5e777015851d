import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import { DownstreamError } from '../../downstream-error.ts';
import { callError, type Layer } from '../call.ts';

/**
 * The service's circuit breaker (resilience/breaker.ts): while it is open a call fails at once
 * with CIRCUIT_OPEN, and is not made.
 *
 * A service that said when to come back keeps saying it while its circuit is open: the open
 * circuit's error carries what is left of the service's last `Retry-After`, so a 503 it causes
 * does not tell clients to come back sooner than the service asked.
 */
export function breakerLayer(breaker: CircuitBreakerPolicy): Layer {
  /** Until when (ms since the epoch) the service last asked not to be called again. */
  let retryAfterUntil = 0;
  // Chained rather than `async`: one promise fewer per call, six calls a home (see retry.ts).
  return (next) => (call) =>
    breaker.execute(() => next(call)).catch((error: unknown) => {
      if (error instanceof BrokenCircuitError) {
        const left = retryAfterUntil - Date.now();
        throw callError(call, 'CIRCUIT_OPEN', `${call.service} is failing; its circuit is open, so it was not called`, { called: false, ...(left > 0 ? { retryAfterMs: left } : {}) });
      }
      const sent = error instanceof DownstreamError ? error.retryAfterMs : undefined;
      if (sent !== undefined) retryAfterUntil = Math.max(retryAfterUntil, Date.now() + sent);
      throw error;
    });
}

/** What trips the breaker: a service's failure, never a 404, a refused input or a client gone. */
export const tripsBreaker = (error: Error) => error instanceof DownstreamError && error.unhealthy;
