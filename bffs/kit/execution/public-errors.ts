import { GraphQLError, type ExecutionResult } from 'graphql';
import { ERRORS, type ErrorCode } from '../errors.ts';

/**
 * What the BFF knows about a failure that is its operators' business, not its clients': which
 * service failed and what it answered. Downstream errors carry them (downstream-error.ts), and
 * so does the message they were made with ("my-list answered 503").
 */
const INTERNAL_DETAIL = ['service', 'downstreamStatus', 'downstreamCode'] as const;

/**
 * A result as production sends it: an error carrying internal detail keeps its code, its path
 * and its status, its message becomes the catalog's words for the code, and the detail is
 * dropped. Operators still have it: every failed downstream attempt is a log line with its
 * service, route, code and status, and a span (observability/observer.ts), under the request's
 * id. Development sends everything as it is. A result with nothing to hide is returned as it is.
 */
export function withoutInternalDetail<R extends Pick<ExecutionResult, 'errors'>>(result: R): R {
  if (!result.errors?.some(hasInternalDetail)) return result;
  return { ...result, errors: publicErrors(result.errors) };
}

/**
 * A result's or a part's `extensions.stale` (resilience/stale-if-error.ts) as production sends it:
 * each field's path, code and age, not the service it would have come from.
 */
export function withoutStaleDetail<R extends { extensions?: Record<string, unknown> }>(result: R): R {
  const stale = result.extensions?.stale as { service?: string }[] | undefined;
  if (!stale?.length) return result;
  return { ...result, extensions: { ...result.extensions, stale: stale.map(({ service: _service, ...mark }) => mark) } };
}

/** `withoutInternalDetail` for a list of errors (a deferred part's). */
export const publicErrors = (errors: readonly GraphQLError[]): GraphQLError[] => errors.map((error) => (hasInternalDetail(error) ? publicError(error) : error));

function hasInternalDetail(error: GraphQLError): boolean {
  const extensions = error.extensions;
  return extensions !== undefined && INTERNAL_DETAIL.some((key) => key in extensions);
}

function publicError(error: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = { ...error.extensions };
  for (const key of INTERNAL_DETAIL) delete extensions[key];
  const code = extensions.code as ErrorCode | undefined;
  const message = code && code in ERRORS ? catalogMessage(code) : 'Unexpected error.';
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

/** The first clause of the catalog's description: "A downstream service failed or refused the connection." */
function catalogMessage(code: ErrorCode): string {
  return `${ERRORS[code].description.split(/[.:]\s/)[0]!.replace(/\.$/, '')}.`;
}
