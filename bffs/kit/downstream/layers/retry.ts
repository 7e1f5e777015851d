import { setTimeout as sleep } from 'node:timers/promises';
import { DownstreamError } from '../../downstream-error.ts';
import type { ResiliencePolicy } from '../../resilience/policy.ts';
import { RetryBudget } from '../../resilience/retry-budget.ts';
import type { Answer, DownstreamCall, Dispatch, Layer } from '../call.ts';
import { timeLeft } from './time-left.ts';

/**
 * Retries, outermost: an idempotent call the service failed because it is unhealthy is made
 * again, after the service's `Retry-After` or a full-jitter backoff, if that wait ends before the
 * call's time does and the service's retry budget (shared by all its calls) allows one more.
 * Hand-written because cockatiel's retry can honour neither Retry-After nor a shared budget.
 */
export function retryLayer(policy: ResiliencePolicy['retry']): Layer {
  const budget = new RetryBudget(policy.budgetRatio, policy.budgetMinPerSecond);
  // The first attempt is chained, not awaited in an `async` function: the layers of a call are
  // promises end to end, and each `async` wrapper would add one of its own and a tick per call.
  return (next) => (call) => {
    budget.recordCall();
    call.attempt = 1;
    return next(call).catch((error: unknown) => retried(next, call, error));
  };

  /** After a failed attempt: the next ones while the failure is worth retrying, or the failure. */
  async function retried(next: Dispatch, call: DownstreamCall, failed: unknown): Promise<Answer<unknown>> {
    let error = failed;
    for (;;) {
      // A call never made (open circuit, time up) is not the service failing again.
      if (!call.idempotent || call.attempt >= policy.maxAttempts || !(error instanceof DownstreamError) || !error.called || !error.unhealthy) throw error;
      const delay = error.retryAfterMs ?? backoff(policy, call.attempt);
      // A retry that cannot finish before the deadline (or the budget) only adds load.
      if (delay >= timeLeft(call) || !budget.tryRetry()) throw error;
      try {
        await sleep(delay, undefined, { signal: call.context.deadline.signal });
      } catch {
        throw error;
      }
      call.attempt++;
      try {
        return await next(call);
      } catch (again) {
        error = again;
      }
    }
  }
}

/** Full jitter: a random wait up to the exponential step, so retries from many requests spread out. */
function backoff({ baseDelayMs, maxDelayMs }: ResiliencePolicy['retry'], attempt: number): number {
  return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}
