import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

/**
 * The one error catalog. Every error a client can see carries one of these codes in
 * `extensions.code`; the README's error table is this object, row by row. Clients match on
 * the code, never on the message.
 */
export const ERRORS = {
  UNAUTHENTICATED: { status: 401, description: 'No bearer token was sent.', solve: 'Send `Authorization: Bearer <token>` from identity.' },
  INVALID_TOKEN: { status: 401, description: 'The token is malformed, has a bad signature, or the wrong issuer or audience.', solve: 'Get a new token from identity.' },
  TOKEN_EXPIRED: { status: 401, description: 'The token has expired.', solve: 'Refresh the token and retry.' },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'The document is not valid GraphQL syntax.', solve: 'Fix the document; the error has its location.' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, description: 'The document does not validate against this client\'s schema.', solve: 'Only ask for fields in this BFF\'s schema; regenerate the SDK.' },
  BAD_USER_INPUT: { status: 400, description: 'An argument or device header is out of range or malformed.', solve: 'Fix the argument named in the message.' },
  NOT_FOUND: { status: 200, description: 'The entity asked for does not exist. The field is null. A mutation on it changed nothing.', solve: 'Check the id; treat it as absent.' },
  DOWNSTREAM_TIMEOUT: { status: 200, description: 'A downstream service did not answer in time. The field it backs is null.', solve: 'Retry later; the rest of the response is valid.' },
  DOWNSTREAM_UNAVAILABLE: { status: 200, description: 'A downstream service failed or refused the connection. The field it backs is null.', solve: 'Retry later; the rest of the response is valid.' },
  DOWNSTREAM_BAD_RESPONSE: { status: 200, description: 'A downstream service answered with something that is not valid JSON. The field it backs is null.', solve: 'Report it to the owning team; retry later.' },
  CIRCUIT_OPEN: { status: 200, description: 'The service has been failing, so its circuit breaker is open and the BFF did not call it. The field it backs is null.', solve: 'Retry after a few seconds; the breaker probes the service and closes when it recovers.' },
  DOWNSTREAM_BUSY: { status: 200, description: 'The BFF already has as many calls in flight to that service as its bulkhead allows. The field it backs is null.', solve: 'Retry later; one slow service is not allowed to use up the BFF.' },
  CRITICAL_DEPENDENCY_FAILED: { status: 503, description: 'A service the screen cannot be drawn without failed (its own error is also in the list). Sent with Retry-After.', solve: 'Retry after the Retry-After delay; show the app\'s offline state meanwhile.' },
  OVERLOADED: { status: 503, description: 'The BFF is shedding load: too many requests in flight or a slow event loop. Sent with Retry-After; /health still answers.', solve: 'Retry after the Retry-After delay, with backoff.' },
  DOWNSTREAM_REJECTED: { status: 200, description: 'A downstream service refused the call (an unexpected 4xx).', solve: 'Report it with the request id.' },
  CLIENT_CLOSED_REQUEST: { status: 499, description: 'The client went away before the answer. Nothing is sent; the code shows in logs, and such calls never count against a service.', solve: 'Nothing to solve on the server; a client that retries gets a fresh answer.' },
  INTERNAL_SERVER_ERROR: { status: 500, description: 'An unexpected error. Details are logged, never sent. The field is null; the status is 500 only when no data could be served.', solve: 'Report it with the `x-request-id` of the response.' },
} as const satisfies Record<string, { status: number; description: string; solve: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * A client-facing error. Codes whose status is 200 are field errors: the field is null and the
 * rest of the response stands. Others set the HTTP status of the whole response.
 */
export function concierge(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const { status } = ERRORS[code];
  return createGraphQLError(message, {
    extensions: { ...extra, code, ...(status === 200 ? {} : { http: { status } }) },
  });
}

export function hasCode(error: unknown, code: ErrorCode): boolean {
  return (error as GraphQLError | undefined)?.extensions?.code === code;
}
