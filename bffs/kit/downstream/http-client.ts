import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { DownstreamName } from '../core/services.ts';
import { callError, compose, type Answer, type CallContext, type Dispatch, type DownstreamCall, type RequestOptions } from './call.ts';
import { exchange, type Exchanged } from './exchange.ts';
import { pathOf } from './path.ts';
import type { ServiceGuard } from './service-guard.ts';

export type { Answer, CallContext, RequestOptions } from './call.ts';

export interface DownstreamHttpOptions {
  guard: ServiceGuard;
  connections: number;
  /** The longest any call may take: the BFF's deadline. */
  maxTimeoutMs: number;
  /** Unit tests pass an undici MockPool; production makes its own Pool. */
  dispatcher?: Dispatcher;
}

/** Connecting is quick or it is not happening; waiting longer only ties up the request. */
const MAX_CONNECT_TIMEOUT_MS = 1_000;

/**
 * JSON over HTTP/1.1 to one downstream origin, on an undici Pool with keep-alive, through the
 * service's layers (service-guard.ts: the service's token, retries, time left, breaker, bulkhead,
 * observation). It sends only that service's token and the request id (never cookies or other client headers) and turns
 * every failure into a DownstreamError, so callers never see an undici error or a raw status.
 */
export class DownstreamHttp {
  private readonly pool: Dispatcher;
  private readonly dispatch: Dispatch;

  constructor(
    readonly service: DownstreamName,
    origin: string,
    options: DownstreamHttpOptions,
  ) {
    this.pool =
      options.dispatcher ??
      new Pool(origin, {
        connections: options.connections,
        keepAliveTimeout: 30_000,
        connectTimeout: Math.min(options.maxTimeoutMs, MAX_CONNECT_TIMEOUT_MS),
        headersTimeout: options.maxTimeoutMs,
        bodyTimeout: options.maxTimeoutMs,
      });
    this.dispatch = compose(options.guard.layers, (call) => this.send(call));
  }

  json<T>(context: CallContext, options: RequestOptions): Promise<T> {
    return this.answer<T>(context, options).then(bodyOf);
  }

  /** As `json`, with the status and headers: for what must read them (the title cache's freshness and validators). */
  answer<T>(context: CallContext, options: RequestOptions): Promise<Answer<T>> {
    let path: string;
    try {
      path = pathOf(options.route, options.params); // before the guard: a refused id is no call, and no failure of the service
    } catch (error) {
      return Promise.reject(error);
    }
    const method = options.method ?? 'GET';
    const idempotent = options.idempotent ?? method !== 'POST';
    // A read may be cut short by its budget; a write the viewer asked for never is, or its
    // outcome would be unknown for the sake of a faster answer.
    const read = method === 'GET' || (method === 'POST' && idempotent);
    const budgetMs = read ? context.budgets?.[this.service] : undefined;
    const budgetEndsAt = budgetMs === undefined ? Infinity : Date.now() + budgetMs;
    const call: DownstreamCall = { service: this.service, context, options, method, path, idempotent, budgetMs, budgetEndsAt, token: '', attempt: 1, timeoutMs: 0, traceHeaders: undefined };
    return this.dispatch(call) as Promise<Answer<T>>;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * One attempt on the wire, the innermost layer. A budgeted call ends after `timeoutMs` however
   * it is going, its wait for a socket included.
   */
  private async send(call: DownstreamCall): Promise<Answer<unknown>> {
    const { context, options, timeoutMs } = call;
    const headers: Record<string, string> = {
      ...options.headers,
      ...call.traceHeaders,
      accept: 'application/json',
      authorization: `Bearer ${call.token}`,
      'x-request-id': context.requestId,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Exchanged;
    try {
      response = await exchange(
        this.pool,
        {
          method: call.method,
          path: withQuery(call.path, options.query),
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          // Every phase gets what remains of the request, never undici's 300 s default, and the
          // deadline ends the call outright when the request's time is up.
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        context.deadline,
        call.budgetMs !== undefined ? timeoutMs : undefined,
      );
    } catch (error) {
      if (context.deadline.clientGone) throw callError(call, 'CLIENT_CLOSED_REQUEST', `the client went away during the call to ${this.service}`);
      throw transportError(call, error);
    }

    const { statusCode } = response;
    if (statusCode === 304) return answered(response, undefined);
    const text = response.body.toString('utf8');
    if (statusCode >= 200 && statusCode < 300) {
      if (text === '') return answered(response, undefined);
      try {
        return answered(response, JSON.parse(text) as unknown);
      } catch {
        throw callError(call, 'DOWNSTREAM_BAD_RESPONSE', `${this.service} answered with invalid JSON`);
      }
    }
    throw statusError(call, statusCode, text, response.header('retry-after'));
  }
}

const answered = <T>(response: Exchanged, body: T | undefined): Answer<T> => ({ status: response.statusCode, body, header: (name) => response.header(name) });
const bodyOf = <T>(answer: Answer<T>) => answer.body as T;

function statusError(call: DownstreamCall, status: number, text: string, retryAfter: string | undefined) {
  const { service } = call;
  const downstreamCode = parseErrorCode(text);
  if (status === 404) return callError(call, 'NOT_FOUND', `${service}: not found`, { downstreamCode });
  if (status >= 500 || status === 429) return callError(call, 'DOWNSTREAM_UNAVAILABLE', `${service} answered ${status}`, { status, retryAfterMs: parseRetryAfter(retryAfter) });
  return callError(call, 'DOWNSTREAM_REJECTED', `${service} refused the call (${status})`, { status, downstreamCode });
}

function transportError(call: DownstreamCall, error: unknown) {
  const name = (error as Error)?.name;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.RequestAbortedError
  ) {
    return callError(call, 'DOWNSTREAM_TIMEOUT', `${call.service} did not answer within ${Math.round(call.timeoutMs)} ms`);
  }
  return callError(call, 'DOWNSTREAM_UNAVAILABLE', `${call.service} is unreachable`);
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseErrorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now. */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
