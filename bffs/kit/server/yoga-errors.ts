import { GraphQLError, type ExecutionResult } from 'graphql';
import type { ErrorCode } from '../errors.ts';

/** yoga's own codes, for the refusals it makes before the perimeter sees the request. */
const YOGA_CODES: Record<string, ErrorCode> = {
  BAD_REQUEST: 'BAD_REQUEST',
  REQUEST_ENTITY_TOO_LARGE: 'REQUEST_TOO_LARGE',
  OPERATION_RESOLUTION_FAILURE: 'BAD_REQUEST',
};

/**
 * yoga refuses a few requests itself, before the perimeter runs: a body that is not JSON, a
 * JSON-array batch, a chunked body over the limit. This gives those errors the catalog's codes
 * and drops what yoga's development masking attaches (`originalError`, the parser's stack): a
 * refusal of the request is the client's to fix, never a stack trace to read.
 * Errors that already carry a catalog code (everything the perimeter and the executor make) pass
 * through untouched.
 */
export function normalizeYogaErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some(isYogaRefusal)) return result;
  return { ...result, errors: result.errors.map((error) => (isYogaRefusal(error) ? recode(error) : error)) };
}

function isYogaRefusal(error: GraphQLError): boolean {
  const code = error.extensions?.code as string | undefined;
  const http = error.extensions?.http as { status?: number } | undefined;
  return (code !== undefined && code in YOGA_CODES) || (code === undefined && http?.status !== undefined && http.status >= 400 && http.status < 500);
}

function recode(error: GraphQLError): GraphQLError {
  const { originalError: _originalError, code, http, ...extensions } = error.extensions as Record<string, unknown>;
  // Without yoga's `spec` flag: a request that is not GraphQL-over-HTTP at all is 400 under every
  // media type (the audit's "SHOULD use 400 on JSON parsing failure").
  const { status, headers } = http as { status: number; headers?: Record<string, string> };
  return new GraphQLError(error.message, { extensions: { ...extensions, code: YOGA_CODES[code as string] ?? 'BAD_REQUEST', http: { status, ...(headers ? { headers } : {}) } } });
}
