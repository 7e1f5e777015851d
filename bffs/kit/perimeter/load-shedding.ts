import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Plugin } from 'graphql-yoga';
import { ERRORS } from '../errors.ts';

export interface LoadSheddingOptions {
  /** GraphQL requests in flight above which new ones are refused. */
  maxInFlight: number;
  /** Event-loop delay (ms, p99) above which new ones are refused, once sustained for two seconds. */
  maxEventLoopDelayMs: number;
  /** @default '/graphql' */
  endpoint?: string;
  /** @default 1 */
  retryAfterSeconds?: number;
}

/**
 * Refuses new GraphQL requests with 503 and Retry-After when the process is already saturated,
 * so the requests it has accepted still finish within their deadlines. Only the GraphQL
 * endpoint is shed: /health and /ready keep answering, so an orchestrator does not kill a busy
 * but healthy process.
 */
export function useLoadShedding({ maxInFlight, maxEventLoopDelayMs, endpoint = '/graphql', retryAfterSeconds = 1 }: LoadSheddingOptions): Plugin {
  let inFlight = 0;
  // The lower of the last two one-second windows: a single stall (start-up, a GC pause) is not
  // overload, and shedding on it would refuse traffic the process could have served.
  let previousWindowMs = 0;
  let loopDelayMs = 0;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const sampler = setInterval(() => {
    const current = histogram.percentile(99) / 1e6;
    loopDelayMs = Math.min(previousWindowMs, current);
    previousWindowMs = current;
    histogram.reset();
  }, 1_000).unref();

  const counted = new WeakSet<Request>();
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const reason = inFlight >= maxInFlight ? `${inFlight} requests in flight` : loopDelayMs > maxEventLoopDelayMs ? `event loop delayed ${Math.round(loopDelayMs)} ms` : undefined;
      if (reason) {
        const body = { errors: [{ message: `The server is overloaded (${reason}); retry later.`, extensions: { code: 'OVERLOADED' } }] };
        return endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status: ERRORS.OVERLOADED.status,
            headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) },
          }),
        );
      }
      inFlight++;
      counted.add(request);
    },
    onResponse({ request }) {
      if (counted.delete(request)) inFlight--;
    },
    onDispose() {
      clearInterval(sampler);
      histogram.disable();
    },
  };
}
