import type { ExecutionResult } from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import { catalogBody, ERRORS, type ErrorCode } from '../errors.ts';
import type { RegularMediaType } from './media-types.ts';
import type { Reply } from './exchange.ts';

/** A catalog error as a whole reply: `{"errors":[{message, extensions:{code}}]}` with the code's status. */
export function refusal(code: ErrorCode, message: string, headers: Record<string, string> = {}): Reply {
  const body = catalogBody(code, message);
  return { status: ERRORS[code].status, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers }, body };
}

/**
 * A result with errors (a refusal of the perimeter, a failure, a partial answer) as a whole reply,
 * by yoga's own status and serialisation rules (GraphQL over HTTP: `application/json` answers 200
 * for a field error, `application/graphql-response+json` 4xx for a request error; `extensions.http`
 * read and stripped). yoga's function is handed a plain response class rather than fetch's: under
 * a burst refused at the perimeter (429 TOO_MANY_IN_FLIGHT) this is the hot path, and a fetch
 * Response and its Headers cost as much again as the rest of a refusal.
 */
export function resultReply(result: ExecutionResult, mediaType: RegularMediaType): Reply {
  if (!result.errors?.length && !result.extensions) {
    const body = JSON.stringify(result);
    return { status: 200, headers: { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': String(Buffer.byteLength(body)) }, body };
  }
  const response = processRegularResult(result, { Response: PlainResponse } as never, mediaType) as unknown as PlainResponse;
  const body = response.body ?? '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.init.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['content-length'] = String(Buffer.byteLength(body));
  return { status: response.init.status ?? 200, headers, body };
}

/** What yoga's result processor is given to build its answer with: its body and init, kept as they are. */
class PlainResponse {
  constructor(
    readonly body: string | null,
    readonly init: { status?: number; headers?: Record<string, string> },
  ) {}
}
