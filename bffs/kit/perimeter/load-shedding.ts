import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Plugin } from 'graphql-yoga';
import { catalogBody, ERRORS, type ErrorCode } from '../errors.ts';

export interface LoadSheddingOptions {
  /** GraphQL requests in flight above which new ones are refused. */
  maxInFlight: number;
  /** Event-loop delay (ms, p99) above which new ones are refused, once sustained for two seconds. */
  maxEventLoopDelayMs: number;
  /** @default 1 */
  retryAfterSeconds?: number;
}

/** The 503 a shed request gets, whichever path (yoga or the fast lane) refused it. */
export interface ShedResponse {
  /** The catalog code the body names (metrics and logs read it). */
  code: ErrorCode;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Refuses new GraphQL requests with 503 and Retry-After when the process is already saturated,
 * so the requests it has accepted still finish within their deadlines. One shedder per BFF,
 * shared by the request lifecycle (both lanes) and the wings' routes: one in-flight cap.
 */
export class LoadShedder {
  private inFlight = 0;
  // The lower of the last two one-second windows: a single stall (start-up, a GC pause) is not
  // overload, and shedding on it would refuse traffic the process could have served.
  private previousWindowMs = 0;
  private loopDelayMs = 0;
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly sampler: NodeJS.Timeout;
  private readonly retryAfter: string;

  constructor(private readonly options: LoadSheddingOptions) {
    this.retryAfter = String(options.retryAfterSeconds ?? 1);
    this.histogram.enable();
    this.sampler = setInterval(() => {
      const current = this.histogram.percentile(99) / 1e6;
      this.loopDelayMs = Math.min(this.previousWindowMs, current);
      this.previousWindowMs = current;
      this.histogram.reset();
    }, 1_000).unref();
  }

  /** Counts the request in, or says why it is refused (then it was not counted). */
  admit(): ShedResponse | undefined {
    const { maxInFlight, maxEventLoopDelayMs } = this.options;
    const reason =
      this.inFlight >= maxInFlight ? `${this.inFlight} requests in flight` : this.loopDelayMs > maxEventLoopDelayMs ? `event loop delayed ${Math.round(this.loopDelayMs)} ms` : undefined;
    if (reason === undefined) {
      this.inFlight++;
      return undefined;
    }
    return {
      code: 'OVERLOADED',
      status: ERRORS.OVERLOADED.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': this.retryAfter },
      body: catalogBody('OVERLOADED', `The server is overloaded (${reason}); retry later.`),
    };
  }

  /** Requests counted in now (metrics). */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** An admitted request has been answered. */
  release(): void {
    this.inFlight--;
  }

  dispose(): void {
    clearInterval(this.sampler);
    this.histogram.disable();
  }
}

/**
 * The shedder in front of a wing's routes that do work (sign-in's, which call the provider);
 * the GraphQL endpoint is shed by the request lifecycle (request/lifecycle.ts). /health and
 * /ready are never shed, so an orchestrator does not kill a busy but healthy process.
 */
export function useLoadShedding(shedder: LoadShedder, endpoints: readonly string[]): Plugin {
  const counted = new WeakSet<Request>();
  const shed = new Set(endpoints);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!shed.has(url.pathname)) return;
      const refused = shedder.admit();
      if (refused) return endResponse(new fetchAPI.Response(refused.body, { status: refused.status, headers: refused.headers }));
      counted.add(request);
    },
    onResponse({ request }) {
      if (counted.delete(request)) shedder.release();
    },
  };
}
