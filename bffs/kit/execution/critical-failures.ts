import type { ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { DownstreamName } from '../core/services.ts';
import { DownstreamError } from '../downstream-error.ts';

export interface CriticalFailureOptions {
  critical: readonly DownstreamName[];
  /**
   * What the 503 tells clients to wait when the failed service said nothing, and the least it
   * tells them when it did.
   * @default 2
   */
  retryAfterSeconds?: number;
  /**
   * The most it ever tells them, whatever the service said: a client told to wait longer would
   * keep its offline state up long after a replica or the service is back.
   * @default 60
   */
  maxRetryAfterSeconds?: number;
}

/**
 * When a critical service failed and nothing could be drawn (`data` is null), the response is
 * 503 with Retry-After and a CRITICAL_DEPENDENCY_FAILED error, followed by the errors that
 * caused it: the critical services' failures. Why 503 rather than 200 with `data: null`: it is
 * the truth about availability, so CDNs do not cache it, clients and load balancers retry, and
 * dashboards count it as an outage. A failed non-critical service never gets here: its field is
 * null and the response stays 200.
 *
 * - Only causes are listed: not the non-critical fields' errors (nothing of the screen is drawn
 *   anyway), nor the calls skipped because the deadline had passed ("catalog was not called"),
 *   which are what the timeout did, not why (one is kept if there is nothing else to say).
 * - Retry-After is the larger of `retryAfterSeconds` and the longest `Retry-After` a cause's
 *   service sent (a service that says 7 is not asked again in 2), at most `maxRetryAfterSeconds`.
 *
 * Returns the result to send instead, or undefined to send it as it is. (yoga reads
 * `extensions.http` for the status and headers, and strips it from the body.)
 */
export function criticalFailureChecker({ critical, retryAfterSeconds = 2, maxRetryAfterSeconds = 60 }: CriticalFailureOptions) {
  const criticalServices: ReadonlySet<DownstreamName> = new Set(critical);
  return (result: ExecutionResult): ExecutionResult | undefined => {
    if (!('data' in result) || result.data !== null) return undefined;
    const failures = (result.errors ?? []).filter((error) => criticalFailure(error, criticalServices));
    if (!failures.length) return undefined;
    const called = failures.filter((error) => !skippedForTime(error));
    const causes = called.length ? called : failures.slice(0, 1);
    const service = DownstreamError.of(causes[0])!.service;
    return {
      ...result,
      errors: [
        createGraphQLError(`The screen cannot be drawn without ${service}, which failed; retry later.`, {
          extensions: { code: 'CRITICAL_DEPENDENCY_FAILED', service },
        }),
        ...causes,
      ],
      extensions: { ...result.extensions, http: { status: 503, headers: { 'retry-after': String(retryAfter(causes, retryAfterSeconds, maxRetryAfterSeconds)) } } },
    };
  };
}

function criticalFailure(error: GraphQLError, criticalServices: ReadonlySet<DownstreamName>): boolean {
  const failure = DownstreamError.of(error);
  return failure !== undefined && failure.serviceFailed && criticalServices.has(failure.service);
}

/** A call never made because the request's time (or the call's budget) was up: what the timeout did, not why. */
function skippedForTime(error: GraphQLError): boolean {
  const failure = DownstreamError.of(error);
  return failure?.code === 'DOWNSTREAM_TIMEOUT' && !failure.called;
}

/** Whole seconds, as Retry-After's delay-seconds are. */
function retryAfter(causes: readonly GraphQLError[], least: number, most: number): number {
  const sent = Math.max(0, ...causes.map((error) => DownstreamError.of(error)?.retryAfterMs ?? 0));
  return Math.min(most, Math.max(least, Math.ceil(sent / 1000)));
}

/**
 * A call that could not be made because identity did not exchange the viewer's token for its
 * service (downstream/layers/credentials.ts: a viewer with no kept token while identity is
 * down). The whole answer is then 503 IDENTITY_UNAVAILABLE with Retry-After, as when the
 * perimeter cannot fetch identity's keys: nothing is wrong with the viewer's token or the
 * services, and a screen drawn without the viewer's data would pass an outage off as an empty
 * account. Returns the result to send instead, or undefined.
 */
export function identityFailure(result: ExecutionResult): ExecutionResult | undefined {
  const cause = result.errors?.find((error) => DownstreamError.of(error)?.code === 'IDENTITY_UNAVAILABLE');
  if (!cause) return undefined;
  const retryAfterMs = DownstreamError.of(cause)?.retryAfterMs ?? 2_000;
  return {
    data: null,
    errors: [
      createGraphQLError('The services could not be called for you: identity does not answer; retry later.', {
        extensions: { code: 'IDENTITY_UNAVAILABLE' },
      }),
    ],
    extensions: { ...result.extensions, http: { status: 503, headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } } },
  };
}
