import { DownstreamError } from '../../downstream-error.ts';
import type { Layer } from '../call.ts';

/**
 * Each attempt that gets past the breaker and the bulkhead, observed (observability/): its span,
 * whose `traceparent` the attempt sends, and its metrics and log line when it ends, with its
 * outcome: `ok`, `not_modified`, or the code it failed with.
 */
export const observeAttemptLayer: Layer = (next) => (call) => {
  const observation = call.context.observation;
  if (!observation) return next(call);
  const attempt = observation.attempt(call.service, call.options.route, call.method, call.attempt > 1, call.protocol);
  call.traceHeaders = attempt.headers;
  return next(call).then(
    (answer) => {
      attempt.end(answer.status === 304 ? 'not_modified' : 'ok', answer.status);
      return answer;
    },
    (error: unknown) => {
      const failure = error instanceof DownstreamError ? error : undefined;
      attempt.end(failure?.code ?? 'INTERNAL_SERVER_ERROR', failure?.status, failure?.downstreamCode);
      throw error;
    },
  );
};

/** A call the breaker or the bulkhead refused before any attempt: counted, with no time of its own. */
export const observeRefusalLayer: Layer = (next) => (call) =>
  next(call).catch((error: unknown) => {
    if (error instanceof DownstreamError && (error.code === 'CIRCUIT_OPEN' || error.code === 'DOWNSTREAM_BUSY')) call.context.observation?.observer.refusedCall(call.service, call.options.route, error.code);
    throw error;
  });
