import type { ExecutionResult } from 'graphql';
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { UsageLabels } from '../contracts/usage.ts';

/** What a cache lookup found: `cache` is response, title or http. */

/** How a downstream call is made: HTTP (REST), or gRPC, whose route is its method's path (`/package.Service/Method`). */
export type DownstreamProtocol = 'http' | 'grpc';
export type CacheResult = 'hit' | 'miss' | 'stale' | 'not_modified';

/** One downstream attempt being watched: its span's `traceparent`, and how it ended. */
export interface AttemptObservation {
  /** W3C `traceparent` (and `tracestate`) for the attempt's headers; empty when tracing is off. */
  readonly headers: Record<string, string>;
  /**
   * `ok`, `not_modified`, or the catalog code it failed with; `status` when a response came, and
   * the service's own error code when it sent one (logged: production's clients never see them).
   */
  end(outcome: string, status?: number, downstreamCode?: string): void;
}

/**
 * What an observation reads of a request the perimeter admitted (perimeter/pipeline.ts's
 * `Admitted` is one): named here, so the perimeter and its observation do not import each other.
 */
export interface AdmittedOperation {
  operation: { kind: string };
  usageLabels?: UsageLabels | undefined;
}

/**
 * Where an observation reports as it goes: the BFF's observer (observer.ts implements it). Named
 * here so that the observer, which creates observations, is not also imported by them.
 */
export interface ObservationSink {
  readonly logger: Logger;
  cacheLookup(cache: 'response' | 'title', result: CacheResult, count: number): void;
  attempt(observation: RequestObservation, service: string, route: string, method: string, retry: boolean, protocol?: DownstreamProtocol): AttemptObservation;
  /** A call the breaker or the bulkhead refused before it was sent (downstream/layers/observe.ts). */
  refusedCall(service: string, route: string, outcome: string): void;
}

/**
 * What one request did, as it goes: the transports create it, the perimeter, the responder and
 * the downstream client fill it in, and the observer (observer.ts) turns it into one set of
 * metrics, one access line and one span when the answer has gone out, on either transport.
 *
 * Its label values are bounded at the source: `version` and `operation` are the contract
 * usage's labels (releases and trusted documents only, else `other`).
 */
export class RequestObservation {
  readonly startedAt = performance.now();
  version = 'none';
  operation = 'other';
  type = 'unknown';
  /** Set once the perimeter admitted the request: an error before that is a rejection. */
  admitted = false;
  codes: string[] = [];
  /** The response cache's answer, when it was asked. */
  responseCache: CacheResult | undefined;
  /** Set by the transport that finished it: the other one must not record it again. */
  ended = false;
  /** Fields a wing adds to the access line (the flags' variants); bounded by the wing that sets them. */
  annotations: Record<string, unknown> | undefined;
  private requestLogger: Logger | undefined;

  constructor(
    readonly observer: ObservationSink,
    readonly requestId: string,
    readonly method: string,
    readonly path: string,
    /** The request's span, when tracing is on (tracing.ts). */
    readonly span: Span | undefined,
    /** The trace id: the span's, or the caller's `traceparent` when tracing is off. */
    readonly traceId: string | undefined,
  ) {}

  noteAdmitted(admitted: AdmittedOperation): void {
    this.admitted = true;
    this.type = admitted.operation.kind;
    if (admitted.usageLabels) ({ version: this.version, operation: this.operation } = admitted.usageLabels);
    if (this.span) {
      this.span.updateName(`${this.type} ${this.operation}`);
      this.span.setAttributes({ 'graphql.operation.type': this.type, 'graphql.operation.name': this.operation, 'app.version': this.version });
    }
  }

  /**
   * The error codes the answer carries (a refusal, or an executed result's). The transports see
   * the result the perimeter already noted: the last one noted is the answer.
   */
  noteResult(result: ExecutionResult): void {
    if (!Array.isArray(result.errors)) return;
    const codes: string[] = [];
    for (const error of result.errors) {
      const code = error.extensions?.code;
      if (typeof code === 'string') codes.push(code);
    }
    this.codes = codes;
  }

  /** A wing's field on the access line (flags: `{"row-order": "trending-first"}`). */
  annotate(field: string, value: unknown): void {
    (this.annotations ??= {})[field] = value;
  }

  noteCode(code: string): void {
    this.codes.push(code);
  }

  /** A cache lookup (the response cache on this request, the title cache per title). */
  cacheLookup(cache: 'response' | 'title', result: CacheResult, count = 1): void {
    if (cache === 'response') this.responseCache = result;
    this.observer.cacheLookup(cache, result, count);
  }

  /** A downstream attempt starts: a child span when tracing, and its metrics when it ends. */
  attempt(service: string, route: string, method: string, retry: boolean, protocol?: DownstreamProtocol): AttemptObservation {
    return this.observer.attempt(this, service, route, method, retry, protocol);
  }

  /** pino with this request's `request_id` and `trace_id` on every line. */
  get log(): Logger {
    return (this.requestLogger ??= this.observer.logger.child({ request_id: this.requestId, ...(this.traceId ? { trace_id: this.traceId } : {}) }));
  }
}
