import type { ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { DownstreamName } from '../config.ts';

const DOWNSTREAM_FAILURES = new Set<unknown>(['DOWNSTREAM_TIMEOUT', 'DOWNSTREAM_UNAVAILABLE', 'DOWNSTREAM_BAD_RESPONSE', 'CIRCUIT_OPEN', 'DOWNSTREAM_BUSY']);

export interface CriticalFailureOptions {
  critical: readonly DownstreamName[];
  /** @default 2 */
  retryAfterSeconds?: number;
}

/**
 * When a critical service failed and nothing could be drawn (`data` is null), the response is
 * 503 with Retry-After and a CRITICAL_DEPENDENCY_FAILED error next to the service's own error.
 * Why 503 rather than 200 with `data: null`: it is the truth about availability, so CDNs do not
 * cache it, clients and load balancers retry, and dashboards count it as an outage. A failed
 * non-critical service never gets here: its field is null and the response stays 200.
 *
 * Returns the result to send instead, or undefined to send it as it is. (yoga reads
 * `extensions.http` for the status and headers, and strips it from the body.)
 */
export function criticalFailureChecker({ critical, retryAfterSeconds = 2 }: CriticalFailureOptions) {
  const criticalServices = new Set<unknown>(critical);
  return (result: ExecutionResult): ExecutionResult | undefined => {
    if (!('data' in result) || result.data !== null) return undefined;
    const failure = result.errors?.find(
      (error: GraphQLError) => DOWNSTREAM_FAILURES.has(error.extensions?.code) && criticalServices.has(error.extensions?.service),
    );
    if (!failure) return undefined;
    const service = failure.extensions.service as string;
    return {
      ...result,
      errors: [
        createGraphQLError(`The screen cannot be drawn without ${service}, which failed; retry later.`, {
          extensions: { code: 'CRITICAL_DEPENDENCY_FAILED', service },
        }),
        ...(result.errors ?? []),
      ],
      extensions: { ...result.extensions, http: { status: 503, headers: { 'retry-after': String(retryAfterSeconds) } } },
    };
  };
}
