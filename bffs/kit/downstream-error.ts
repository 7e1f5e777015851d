import { GraphQLError } from 'graphql';
import type { DownstreamName } from './core/services.ts';
import { catalogExtensions, type ErrorCode } from './errors.ts';

/** The catalog codes a call to a downstream service can end with. */
export type DownstreamErrorCode = Extract<
  ErrorCode,
  | 'NOT_FOUND'
  | 'DOWNSTREAM_TIMEOUT'
  | 'DOWNSTREAM_UNAVAILABLE'
  | 'DOWNSTREAM_BAD_RESPONSE'
  | 'DOWNSTREAM_REJECTED'
  | 'CIRCUIT_OPEN'
  | 'DOWNSTREAM_BUSY'
  | 'CLIENT_CLOSED_REQUEST'
  // The service's token could not be had: identity did not answer the exchange (layers/credentials.ts).
  | 'IDENTITY_UNAVAILABLE'
>;

/** What is known of a failed call, beside its code. */
export interface DownstreamFailure {
  service: DownstreamName;
  /** The route template called (`/titles/:id`); none when the failure is not one call's (a late list, resilience/cutoff.ts). */
  route?: string;
  /** The HTTP status the service answered, when that answer is the failure (a 5xx, a 429, an unexpected 4xx). */
  status?: number;
  /** The service's own error code, from its error body. */
  downstreamCode?: string;
  /** How long the service asked not to be called again (`Retry-After`; on an open circuit, what is left of its last one), in ms. */
  retryAfterMs?: number;
  /**
   * False when the service was not called at all: its circuit was open, its bulkhead full, the
   * client gone or the time up before the attempt.
   * @default true
   */
  called?: boolean;
}

/** Failures that say the service is unhealthy: they trip its breaker, and an idempotent call may be retried. */
const UNHEALTHY: ReadonlySet<DownstreamErrorCode> = new Set(['DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_UNAVAILABLE', 'DOWNSTREAM_BAD_RESPONSE']);
/** ...and with the refusals of a failing or busy service, the failures a critical field fails the screen for. */
const SERVICE_FAILURES: ReadonlySet<DownstreamErrorCode> = new Set([...UNHEALTHY, 'CIRCUIT_OPEN', 'DOWNSTREAM_BUSY']);

/**
 * What every call to a downstream service fails with, as undici's errors are classes with a
 * stable code: the catalog's code and what the layers and the perimeter need to know, as typed
 * fields. It is a GraphQLError, so a resolver may throw it as it is.
 *
 * Clients see only its catalog extensions: `service`, `downstreamStatus` and `downstreamCode`,
 * which production drops (server/public-errors.ts), and `code`. The other fields are the BFF's.
 */
export class DownstreamError extends GraphQLError {
  readonly code: DownstreamErrorCode;
  readonly service: DownstreamName;
  readonly route: string | undefined;
  readonly status: number | undefined;
  readonly downstreamCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly called: boolean;

  constructor(code: DownstreamErrorCode, message: string, { service, route, status, downstreamCode, retryAfterMs, called = true }: DownstreamFailure) {
    super(message, {
      extensions: catalogExtensions(code, {
        service,
        ...(status !== undefined ? { downstreamStatus: status } : {}),
        ...(downstreamCode !== undefined ? { downstreamCode } : {}),
      }),
    });
    this.code = code;
    this.service = service;
    this.route = route;
    this.status = status;
    this.downstreamCode = downstreamCode;
    this.retryAfterMs = retryAfterMs;
    this.called = called;
  }

  /** The DownstreamError of `error`, read through graphql-js's located error; undefined if it is none. */
  static of(error: unknown): DownstreamError | undefined {
    if (error instanceof DownstreamError) return error;
    const original = error instanceof GraphQLError ? error.originalError : undefined;
    return original instanceof DownstreamError ? original : undefined;
  }

  /** The service is unhealthy: it timed out, failed or answered nonsense. */
  get unhealthy(): boolean {
    return UNHEALTHY.has(this.code);
  }

  /** The service failed, or was not tried because it has been failing or is busy (not a 404, a refusal or a client gone). */
  get serviceFailed(): boolean {
    return SERVICE_FAILURES.has(this.code);
  }
}
