import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { GraphQLError } from 'graphql';
import { concierge, type ErrorCode } from '../errors.ts';
import type { DownstreamName } from '../core/services.ts';
import type { Deadline } from '../resilience/deadline.ts';
import { exchange, type Exchanged } from './exchange.ts';
import { pathOf } from './path.ts';
import { RETRY_AFTER_MS, type ServiceGuard } from '../resilience/service-guard.ts';
import type { AttemptObservation, RequestObservation } from '../observability/request-observation.ts';

/** What every downstream call carries from the GraphQL request that caused it. */
export interface CallContext {
  /** The caller's bearer token, forwarded as-is: services decide what the viewer may read. */
  token: string;
  requestId: string;
  /** The request's deadline; it also aborts when the client goes away. */
  deadline: Deadline;
  /**
   * The most a read from each non-critical service may take (the client's
   * `nonCriticalBudgets`); writes, and services not listed, get the whole deadline.
   */
  budgets?: Readonly<Partial<Record<DownstreamName, number>>>;
  /** The request's observation: each attempt's metrics, span and `traceparent` (observability/). */
  observation?: RequestObservation;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * The path's template (`/titles/:id`), filled from `params` (path.ts). It is also the metrics'
   * and spans' route label, so an id a client sent never becomes a label value.
   */
  route: string;
  /** The values of the route's `:name` segments: ids, refused unless in the id alphabet (path.ts). */
  params?: Readonly<Record<string, string>>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** GET, PUT and DELETE are idempotent; a POST is only when it says so (batch reads do). */
  idempotent?: boolean;
  /** Headers the BFF itself sends (a revalidation's `if-none-match`); never a client's. */
  headers?: Record<string, string>;
}

/** A successful answer with its status and headers: 2xx, or 304 to a conditional request (no body). */
export interface Answer<T> {
  status: number;
  /** Undefined for a 304 or an empty body. */
  body: T | undefined;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
}

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
 * JSON over HTTP/1.1 to one downstream origin, on an undici Pool with keep-alive, behind the
 * service's guard (deadline, retries, breaker, bulkhead). It forwards only the token and the
 * request id (never cookies or other client headers) and turns every failure into a catalog
 * error, so callers never see an undici error or a raw status.
 */
export class DownstreamHttp {
  private readonly pool: Dispatcher;
  private readonly guard: ServiceGuard;

  constructor(
    readonly service: DownstreamName,
    origin: string,
    options: DownstreamHttpOptions,
  ) {
    this.guard = options.guard;
    this.pool =
      options.dispatcher ??
      new Pool(origin, {
        connections: options.connections,
        keepAliveTimeout: 30_000,
        connectTimeout: Math.min(options.maxTimeoutMs, MAX_CONNECT_TIMEOUT_MS),
        headersTimeout: options.maxTimeoutMs,
        bodyTimeout: options.maxTimeoutMs,
      });
  }

  json<T>(call: CallContext, options: RequestOptions): Promise<T> {
    return this.answer<T>(call, options).then(bodyOf);
  }

  /** As `json`, with the status and headers: for what must read them (the title cache's freshness and validators). */
  answer<T>(call: CallContext, options: RequestOptions): Promise<Answer<T>> {
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
    const budgetMs = read ? call.budgets?.[this.service] : undefined;
    const observation = call.observation;
    if (!observation) return this.guard.run({ idempotent, deadline: call.deadline, budgetMs }, (timeoutMs) => this.send<T>(call, path, options, timeoutMs, budgetMs !== undefined, undefined));
    let attempts = 0;
    return this.guard
      .run({ idempotent, deadline: call.deadline, budgetMs }, (timeoutMs) => {
        const attempt = observation.attempt(this.service, options.route, method, attempts++ > 0);
        return this.send<T>(call, path, options, timeoutMs, budgetMs !== undefined, attempt);
      })
      .catch((error: unknown) => {
        // Refused by the guard before any attempt was made: counted, with no time of its own.
        const code = (error as GraphQLError).extensions?.code;
        if (code === 'CIRCUIT_OPEN' || code === 'DOWNSTREAM_BUSY') observation.observer.refusedCall(this.service, options.route, code);
        throw error;
      });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** `budgeted`: the call ends after `timeoutMs` however it is going, its wait for a socket included. */
  private async send<T>(call: CallContext, path: string, options: RequestOptions, timeoutMs: number, budgeted: boolean, attempt: AttemptObservation | undefined): Promise<Answer<T>> {
    try {
      const answer = await this.attempt<T>(call, path, options, timeoutMs, budgeted, attempt?.headers);
      attempt?.end(answer.status === 304 ? 'not_modified' : 'ok', answer.status);
      return answer;
    } catch (error) {
      const extensions = (error as GraphQLError).extensions;
      attempt?.end(String(extensions?.code ?? 'INTERNAL_SERVER_ERROR'), extensions?.downstreamStatus as number | undefined, extensions?.downstreamCode as string | undefined);
      throw error;
    }
  }

  private async attempt<T>(call: CallContext, path: string, { method = 'GET', query, body, headers: extra }: RequestOptions, timeoutMs: number, budgeted: boolean, trace: Record<string, string> | undefined): Promise<Answer<T>> {
    const headers: Record<string, string> = {
      ...extra,
      ...trace,
      accept: 'application/json',
      authorization: `Bearer ${call.token}`,
      'x-request-id': call.requestId,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';

    let response: Exchanged;
    try {
      response = await exchange(
        this.pool,
        {
          method,
          path: withQuery(path, query),
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          // Every phase gets what remains of the request, never undici's 300 s default, and the
          // deadline ends the call outright when the request's time is up.
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        call.deadline,
        budgeted ? timeoutMs : undefined,
      );
    } catch (error) {
      if (call.deadline.clientGone) throw this.error('CLIENT_CLOSED_REQUEST', `the client went away during the call to ${this.service}`);
      throw this.transportError(error, timeoutMs);
    }

    const { statusCode } = response;
    if (statusCode === 304) return answered<T>(response, undefined);
    const text = response.body.toString('utf8');
    if (statusCode >= 200 && statusCode < 300) {
      if (text === '') return answered<T>(response, undefined);
      try {
        return answered(response, JSON.parse(text) as T);
      } catch {
        throw this.error('DOWNSTREAM_BAD_RESPONSE', `${this.service} answered with invalid JSON`);
      }
    }
    throw this.statusError(statusCode, text, response.header('retry-after'));
  }

  private statusError(status: number, text: string, retryAfter: string | string[] | undefined): GraphQLError {
    const downstreamCode = parseErrorCode(text);
    if (status === 404) return this.error('NOT_FOUND', `${this.service}: not found`, { downstreamCode });
    if (status >= 500 || status === 429) {
      const error = this.error('DOWNSTREAM_UNAVAILABLE', `${this.service} answered ${status}`, { downstreamStatus: status });
      const delay = parseRetryAfter(retryAfter);
      if (delay !== undefined) Object.assign(error, { [RETRY_AFTER_MS]: delay });
      return error;
    }
    return this.error('DOWNSTREAM_REJECTED', `${this.service} refused the call (${status})`, { downstreamStatus: status, downstreamCode });
  }

  private transportError(error: unknown, timeoutMs: number): GraphQLError {
    const name = (error as Error)?.name;
    if (
      name === 'TimeoutError' ||
      name === 'AbortError' ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError ||
      error instanceof undiciErrors.RequestAbortedError
    ) {
      return this.error('DOWNSTREAM_TIMEOUT', `${this.service} did not answer within ${Math.round(timeoutMs)} ms`);
    }
    return this.error('DOWNSTREAM_UNAVAILABLE', `${this.service} is unreachable`);
  }

  private error(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    return concierge(code, message, { service: this.service, ...extra });
  }
}

const answered = <T>(response: Exchanged, body: T | undefined): Answer<T> => ({ status: response.statusCode, body, header: (name) => response.header(name) });
const bodyOf = <T>(answer: Answer<T>) => answer.body as T;

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
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
