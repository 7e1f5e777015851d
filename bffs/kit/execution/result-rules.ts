import { GraphQLError, type ExecutionResult } from 'graphql';
import { criticalFailureChecker, identityFailure, type CriticalFailureOptions } from './critical-failures.ts';
import { concierge } from '../errors.ts';
import type { SubsequentPayload } from './incremental.ts';
import type { Logger } from 'pino';
import { publicErrors, withoutInternalDetail, withoutStaleDetail } from './public-errors.ts';

export interface ResultRulesOptions extends CriticalFailureOptions {
  /** yoga's error masking, with its logging (create-bff), on the request's logger when there is one. */
  maskError: (error: unknown, log?: Logger) => GraphQLError;
  /**
   * Production: which service failed and what it answered are left out of what clients see
   * (public-errors.ts); the logs and spans keep them.
   * @default false
   */
  hideInternalDetail?: boolean;
}

/**
 * What every executed result goes through before either transport sends it, so that its status
 * follows GraphQL-over-HTTP and the catalog:
 * - errors are masked as yoga masks them (unexpected ones hidden and logged);
 * - a result with no `data` failed before execution: an error with no catalog code is graphql-js's
 *   variable coercion, 400 BAD_USER_INPUT (200 under legacy `application/json`, as the spec asks);
 * - a result with `data` executed, so it is 2xx whatever its errors say (a field's BAD_USER_INPUT
 *   or NOT_FOUND is a field error, even when it nulls a non-null parent and so all of `data`); only
 *   a critical service's failure turns a null `data` into 503, and so does a call identity could
 *   not get a token for (503 IDENTITY_UNAVAILABLE, whatever `data` holds).
 * - in production, an error keeps its code and path but not which service failed and how.
 * A result with no errors is passed through untouched: the hot path costs one check.
 */
export function createResultRules({ maskError, hideInternalDetail = false, ...critical }: ResultRulesOptions) {
  const checkCritical = criticalFailureChecker(critical);
  const forClients = hideInternalDetail ? <R extends ExecutionResult>(result: R) => withoutStaleDetail(withoutInternalDetail(result)) : <R>(result: R) => result;
  const staleForClients = hideInternalDetail ? withoutStaleDetail : <R>(result: R) => result;
  const fieldError = (error: GraphQLError) => withoutStatus(maskError(error));
  const fieldErrors = (errors: readonly GraphQLError[]) => {
    const ruled = errors.map(fieldError);
    return hideInternalDetail ? publicErrors(ruled) : ruled;
  };
  function applyRules(result: ExecutionResult, log?: Logger): ExecutionResult {
    if (!result.errors?.length) return result.extensions ? staleForClients(result) : result;
    let errors = result.errors.map((error) => maskError(error, log));
    if (result.data === undefined) errors = errors.map((error) => (error.extensions?.code ? error : variableError(error)));
    else errors = errors.map(withoutStatus);
    const ruled = { ...result, errors };
    // After the critical check, which reads the failed service.
    return forClients(identityFailure(ruled) ?? checkCritical(ruled) ?? ruled);
  }
  /**
   * A deferred part (incremental.ts): its errors are field errors of a response already under
   * way, masked the same way; the status was decided by the first part.
   */
  applyRules.subsequent = (payload: SubsequentPayload): SubsequentPayload => {
    if (!payload.errors?.length && !payload.incremental?.some((part) => part.errors?.length)) return payload.extensions ? staleForClients(payload) : payload;
    return {
      ...staleForClients(payload),
      ...(payload.errors ? { errors: fieldErrors(payload.errors) } : {}),
      ...(payload.incremental ? { incremental: payload.incremental.map((part) => (part.errors ? { ...part, errors: fieldErrors(part.errors) } : part)) } : {}),
    };
  };
  return applyRules;
}

export type ResultRules = ReturnType<typeof createResultRules>;

function variableError(error: GraphQLError): GraphQLError {
  const coded = concierge('BAD_USER_INPUT', error.message, {}, { spec: true });
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: coded.extensions });
}

function withoutStatus(error: GraphQLError): GraphQLError {
  if (!error.extensions?.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions });
}
