import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { MAX_CURSOR_LENGTH, MAX_ID_LENGTH, MAX_PARAMETER_DEPTH } from './input-limits.ts';

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
  BAD_USER_INPUT: { status: 400, description: `A variable, an argument, a device header or a TV's device label (\`POST /auth/device\`: at most 64 characters, no control characters) is out of range or malformed. 400 when the request never executed (a variable of the wrong type, a missing required variable, a variable the operation does not declare, a bad device header); a field error (200, the field null) when only one field's argument is out of range: an id outside the id alphabet (letters, digits, \`_\` and \`-\`, at most ${MAX_ID_LENGTH}), or an \`after\` that is not a cursor this API gave out (at most ${MAX_CURSOR_LENGTH} characters). Nothing was sent to a service for it.`, solve: 'Fix the variable or argument named in the message; send only the variables the operation declares (the generated SDK does).' },
  BAD_REQUEST: { status: 400, description: `The request is not a GraphQL-over-HTTP request this BFF accepts: a body that is not JSON, a JSON-array batch, an unknown or mistyped parameter (in a POST body or a GET query string alike), a GraphQL parameter in a POST's URL query string, \`variables\` or \`extensions\` nested more than ${MAX_PARAMETER_DEPTH} levels deep, a Content-Length that is not a number, or an operation name that names no operation.`, solve: 'Send one `{query|documentId, variables?, operationName?, extensions?}` object per request.' },
  INVALID_HOST: { status: 400, description: 'The `Host` header is not a valid `host[:port]`, or was sent twice, or an absolute-form target (`GET http://host/graphql`, which is accepted) names an invalid host (RFC 9112 §3.2). Nothing was read or executed.', solve: 'Send one `Host` header naming the host you connected to, as HTTP clients do by themselves.' },
  PERSISTED_DOCUMENT_NOT_FOUND: { status: 400, description: 'The `documentId` (or Apollo `persistedQuery.sha256Hash`) names no trusted document of this client. The message is `PersistedQueryNotFound` for the Apollo form, so Apollo clients send the full document next when the BFF accepts arbitrary documents.', solve: 'Ship the operation file, run `npm run codegen` and deploy the new manifest; send ids from the generated SDK.' },
  PERSISTED_DOCUMENT_REQUIRED: { status: 400, description: 'The BFF runs only trusted documents (`TRUSTED_DOCUMENTS=only`, the production default) and the request sent a raw `query`.', solve: 'Send `documentId` from the generated SDK instead of the query text.' },
  CLIENT_VERSION_UNSUPPORTED: { status: 400, description: 'The app\'s version (`x-client-version`, or Apollo\'s `apollographql-client-version`) is retired, or the `documentId` was shipped only by retired releases. `extensions.minimumVersion` is the oldest version still served. Nothing was executed.', solve: 'Ask the user to update the app to `minimumVersion` or later (README: Releasing a client).' },
  OPERATION_LIMIT_EXCEEDED: { status: 400, description: 'The document is over one of this client\'s operation limits; `extensions.limit` names it (`depth`, `aliases`, `directives`, `tokens` or `cost`) beside `extensions.max`. Nothing was executed and no service was called.', solve: 'Split the operation or ask for less; the README\'s Perimeter table has each client\'s limits.' },
  REQUEST_TOO_LARGE: { status: 413, description: 'The request body is over this client\'s limit (README, Perimeter). It was not read.', solve: 'Send trusted document ids rather than large documents; keep variables small.' },
  RATE_LIMITED: { status: 429, description: 'The viewer or the client address has spent its budget of operation cost for the window. Sent with `Retry-After`, `RateLimit-Policy` and `RateLimit`.', solve: 'Wait `Retry-After` seconds; cheaper operations spend less of the budget.' },
  TOO_MANY_IN_FLIGHT: { status: 429, description: 'The viewer, or the client address, already has as many requests in flight at this replica as one viewer or one address may: its fair share of the work, so one client\'s burst cannot starve the others (`extensions.limit` is `viewer` or `ip`, beside `extensions.max`). Sent with `Retry-After`. Nothing was executed, and the viewer\'s budget was not spent.', solve: 'Wait for earlier answers before sending more; retry after `Retry-After` seconds. The README\'s Perimeter table has each client\'s limits.' },
  CSRF_REJECTED: { status: 403, description: 'A request carrying the session cookie did not carry `X-CSRF: 1`, or came from an origin this BFF does not serve. Checked on every request, GET included. Nothing was executed.', solve: 'From the web app: `fetch(\'/graphql\', { credentials: \'include\', headers: { \'X-CSRF\': \'1\' } })`, from an origin in `WEB_ORIGINS`.' },
  SESSION_EXPIRED: { status: 401, description: 'The web session cookie or the TV\'s session token names no live session: signed out (a TV also from the web account page), idle or past its lifetime, ended at the provider (back-channel logout), or its tokens could no longer be refreshed. A cookie is cleared.', solve: 'Sign in again: web `GET /auth/login?returnTo=<path>`, TV `POST /auth/device`.' },
  SESSION_REQUIRED: { status: 401, description: 'This BFF signs its clients in with server-side sessions (web: the session cookie; TV: the device session token) and, under `NODE_ENV=production`, refuses other bearer tokens: a token held by the client is what the session removes.', solve: 'Web: sign in at `/auth/login` and send the cookie (`credentials: \'include\'`). TV: sign in with `POST /auth/device` and send `Authorization: Bearer <session_token>`.' },
  SIGN_IN_FAILED: { status: 400, description: 'The sign-in callback could not complete: its `state` is not the one this browser started with (or the login started over 10 minutes ago), the PKCE verifier is missing, or the provider refused the code (replayed, forged or expired) or answered with an error. No session was made.', solve: 'Start again at `/auth/login`.' },
  RETURN_TO_REFUSED: { status: 400, description: '`returnTo` is not a path on this site (an absolute URL, `//host`, a backslash, or a path that resolves or decodes to one, such as `/.//host`): the BFF never redirects off-site after sign-in.', solve: 'Pass a local path such as `/account`.' },
  DEVICE_AUTHORIZATION_PENDING: { status: 400, description: 'The TV polled `POST /auth/device/token` before the user approved its code at the verification URI. The body also carries RFC 8628\'s `"error": "authorization_pending"`.', solve: 'Keep showing the user code; poll again after `interval` seconds.' },
  DEVICE_SLOW_DOWN: { status: 400, description: 'The TV polled faster than `interval` and the provider said `slow_down`, passed on as `"error": "slow_down"` with `interval`, the seconds to wait from now on (the provider\'s, else 5 more, RFC 8628 §3.5).', solve: 'Wait `interval` seconds between this and every later poll of the code.' },
  DEVICE_CODE_EXPIRED: { status: 400, description: 'The device code is past its 10 minutes (`"error": "expired_token"`), or was already exchanged for a session, or the `poll_id` is not one this BFF issued (`"error": "invalid_grant"`). No session was made.', solve: 'Start again with `POST /auth/device` and show the new code.' },
  DEVICE_ACCESS_DENIED: { status: 400, description: 'The user declined the TV at the verification page (`"error": "access_denied"`). No session was made.', solve: 'Say the sign-in was declined; offer `POST /auth/device` again.' },
  LOGOUT_TOKEN_INVALID: { status: 400, description: 'A back-channel logout token failed verification (signature, issuer, audience, `events`, a `nonce`, or neither `sub` nor `sid`). No session was ended.', solve: 'Only the identity provider calls this endpoint.' },
  ORIGIN_NOT_ALLOWED: { status: 403, description: 'A browser sent the request from an origin this BFF does not serve (web: `WEB_ORIGINS`; mobile and TV: none). Nothing was executed.', solve: 'Add the origin to `WEB_ORIGINS`, or call from the native app.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'A mutation was sent with GET (GET is for queries, so that it can be cached), or the method is neither GET nor POST. Sent with `Allow`.', solve: 'Send mutations with POST.' },
  PRECONDITION_FAILED: { status: 412, description: 'A POST carried `If-None-Match` naming the current answer\'s ETag: RFC 9110 answers a conditional POST 412, never 304. The query ran; nothing changed.', solve: 'Revalidate with GET and `documentId`, which answers 304; or drop `If-None-Match` from POSTs.' },
  NOT_ACCEPTABLE: { status: 406, description: 'The `Accept` header allows neither `application/graphql-response+json` nor `application/json` (in UTF-8).', solve: 'Accept `application/graphql-response+json, application/json`.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The POST body is in a media type the BFF does not read.', solve: 'Send `Content-Type: application/json`.' },
  DEV_PAGE_HOST_REFUSED: { status: 403, description: 'Development only: GraphiQL\'s page (which holds a development token) was asked for under a `Host` this BFF does not listen as, such as a DNS-rebinding page\'s own name. No token was minted or sent.', solve: 'Open GraphiQL at `127.0.0.1`, `localhost` or `[::1]` (or the configured `HOST`), with the BFF\'s port.' },
  STREAM_REQUIRED: { status: 406, description: 'A subscription was asked for as one JSON answer. Its events come as they happen, so it is answered over GraphQL over SSE (`Accept: text/event-stream`) or the WebSocket protocol `graphql-transport-ws`, both at `/graphql`.', solve: 'Subscribe with the `graphql-ws` client (README: Live updates), or send `Accept: text/event-stream`.' },
  EVENTS_EXPIRED: { status: 410, description: 'A subscription asked to resume `after` an event older than the retention window (README: Live updates): the events missed since are no longer kept. Nothing was subscribed.', solve: 'Refetch the state the subscription keeps up to date (My List, progress, the unread count), then subscribe without `after`.' },
  SLOW_CONSUMER: { status: 200, description: 'The subscription fell further behind its events than the BFF keeps for one subscriber, so it was ended mid-stream (a WebSocket closes with 4008). No event was dropped silently: resume from the last one received.', solve: 'Subscribe again with `after` set to the last `eventId` received.' },
  TOO_MANY_SUBSCRIPTIONS: { status: 429, description: 'The WebSocket already carries as many subscriptions as one connection may (README: Live updates). Nothing was subscribed.', solve: 'Complete a subscription before starting another; one connection per app is enough.' },
  TOO_MANY_CONNECTIONS: { status: 429, description: 'The viewer, or the client address, already holds as many live connections (WebSockets and SSE subscriptions) at this replica as one may. The WebSocket handshake or the SSE request was refused. Sent with `Retry-After`.', solve: 'Share one connection per app across its subscriptions; close connections no longer used.' },
  ROUTE_NOT_FOUND: { status: 404, description: 'Nothing is served at this path.', solve: 'GraphQL is at `/graphql`, liveness at `/health`, readiness at `/ready`.' },
  NOT_FOUND: { status: 200, description: 'The entity asked for does not exist. The field is null. A mutation on it changed nothing. (A service\'s 404, or a gRPC service\'s `NOT_FOUND`.)', solve: 'Check the id; treat it as absent.' },
  DOWNSTREAM_TIMEOUT: { status: 200, description: 'A downstream service did not answer in time: within the request\'s deadline, or, for a service no critical field needs, within its budget (README: Caching); a gRPC service\'s `DEADLINE_EXCEEDED` too. The field it backs is null.', solve: 'Retry later; the rest of the response is valid.' },
  DOWNSTREAM_UNAVAILABLE: { status: 200, description: 'A downstream service failed or refused the connection: a 5xx or 429 (with its `Retry-After`), or from a gRPC service `UNAVAILABLE`, `RESOURCE_EXHAUSTED` (with its `grpc-retry-pushback-ms`), `INTERNAL`, `UNKNOWN`, `ABORTED` or `DATA_LOSS`. The field it backs is null.', solve: 'Retry later; the rest of the response is valid.' },
  DOWNSTREAM_BAD_RESPONSE: { status: 200, description: 'A downstream service answered with something that is not valid JSON. From a gRPC service: a message that does not decode. The field it backs is null.', solve: 'Report it to the owning team; retry later.' },
  CIRCUIT_OPEN: { status: 200, description: 'The service has been failing, so its circuit breaker is open and the BFF did not call it. The field it backs is null.', solve: 'Retry after a few seconds; the breaker probes the service and closes when it recovers.' },
  DOWNSTREAM_BUSY: { status: 200, description: 'The BFF already has as many calls in flight to that service as its bulkhead allows. The field it backs is null.', solve: 'Retry later; one slow service is not allowed to use up the BFF.' },
  CRITICAL_DEPENDENCY_FAILED: { status: 503, description: 'A service the screen cannot be drawn without failed. The errors after it are the ones that caused it, and only those. Sent with Retry-After: 2 s, or the failing service\'s own `Retry-After` when it is longer (at most 60 s).', solve: 'Retry after the Retry-After delay; show the app\'s offline state meanwhile.' },
  IDENTITY_UNAVAILABLE: { status: 503, description: 'Identity does not answer: the token could not be checked because its keys (JWKS) could not be fetched, a session could not be refreshed, or the services could not be called because identity did not exchange the viewer\'s token for theirs (a viewer with no exchanged token kept; kept ones serve until they expire). The token may well be good. Sent with Retry-After.', solve: 'Retry after the Retry-After delay; do not discard the token.' },
  SESSION_STORE_UNAVAILABLE: { status: 503, description: 'The sign-in session could not be read or saved because the session store (Redis) is unreachable or too slow. The session itself may well be good. Sent with Retry-After.', solve: 'Retry after the Retry-After delay; do not sign the user out.' },
  OVERLOADED: { status: 503, description: 'The BFF is shedding load: too many requests in flight or a slow event loop. Sent with Retry-After; /health still answers.', solve: 'Retry after the Retry-After delay, with backoff.' },
  DOWNSTREAM_REJECTED: { status: 200, description: 'A downstream service refused the call (an unexpected 4xx). From a gRPC service: `INVALID_ARGUMENT`, `FAILED_PRECONDITION`, `OUT_OF_RANGE`, `PERMISSION_DENIED`, `UNAUTHENTICATED`, `ALREADY_EXISTS` or `UNIMPLEMENTED` (`downstreamCode` is the status\'s name). Not retried, and not counted against the service\'s breaker.', solve: 'Report it with the request id.' },
  CLIENT_CLOSED_REQUEST: { status: 499, description: 'The client went away before the answer. Nothing is sent; the code shows in logs, and such calls never count against a service.', solve: 'Nothing to solve on the server; a client that retries gets a fresh answer.' },
  INTERNAL_SERVER_ERROR: { status: 500, description: 'An unexpected error: a resolver threw, or returned a value its type cannot hold (a string for a `Boolean!`, null for a non-null field). Details are logged; under `NODE_ENV=production` the message is masked (`Unexpected error.`). The field is null; the status is 500 only when no data could be served.', solve: 'Report it with the `x-request-id` of the response.' },
} as const satisfies Record<string, { status: number; description: string; solve: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorOptions {
  /** Response headers the error needs (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
  /**
   * A request error the GraphQL-over-HTTP spec lets legacy `application/json` answer with 200
   * (parse, validation and variable errors): yoga's `http.spec` flag, which its status rule and
   * the fast lane's (the same function) honour.
   */
  spec?: boolean;
}

/**
 * A client-facing error. Codes whose status is 200 are field errors: the field is null and the
 * rest of the response stands. Others set the HTTP status of the whole response (yoga reads
 * `extensions.http` and strips it from the body).
 */
export function concierge(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, options: ErrorOptions = {}): GraphQLError {
  return createGraphQLError(message, { extensions: catalogExtensions(code, extra, options) });
}

/** The extensions of a catalog error: `extra`, then the code, then `http` when the status is not 200. */
export function catalogExtensions(code: ErrorCode, extra: Record<string, unknown> = {}, { headers, spec }: ErrorOptions = {}): Record<string, unknown> {
  const { status } = ERRORS[code];
  const http = status === 200 ? undefined : { status, ...(headers ? { headers } : {}), ...(spec ? { spec } : {}) };
  return { ...extra, code, ...(http ? { http } : {}) };
}

/** A refusal's whole body, as every refusal made outside GraphQL execution writes it: `{"errors":[{message, extensions}]}`. */
export function catalogBody(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] });
}

export function hasCode(error: unknown, code: ErrorCode): boolean {
  return (error as GraphQLError | undefined)?.extensions?.code === code;
}
