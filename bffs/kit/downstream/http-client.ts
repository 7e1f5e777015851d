import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { GraphQLError } from 'graphql';
import { concierge } from '../errors.ts';
import type { DownstreamName } from '../config.ts';

/** What every downstream call carries from the GraphQL request that caused it. */
export interface CallContext {
  /** The caller's bearer token, forwarded as-is: services decide what the viewer may read. */
  token: string;
  requestId: string;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export interface DownstreamHttpOptions {
  connections: number;
  timeoutMs: number;
  /** Unit tests pass an undici MockPool; production makes its own Pool. */
  dispatcher?: Dispatcher;
}

/**
 * JSON over HTTP/1.1 to one downstream origin, on an undici Pool with keep-alive. It forwards
 * only the token and the request id (never cookies or other client headers) and turns every
 * failure into a catalog error, so callers never see an undici error or a raw status.
 */
export class DownstreamHttp {
  private readonly pool: Dispatcher;

  constructor(
    readonly service: DownstreamName,
    origin: string,
    private readonly options: DownstreamHttpOptions,
  ) {
    this.pool = options.dispatcher ?? new Pool(origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(options.timeoutMs, 2_000),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async json<T>(call: CallContext, { method = 'GET', path, query, body }: RequestOptions): Promise<T> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${call.token}`,
      'x-request-id': call.requestId,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.options.timeoutMs);

    let response;
    try {
      response = await this.pool.request({
        method,
        path: withQuery(path, query),
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: call.signal ? AbortSignal.any([call.signal, timeout]) : timeout,
      });
    } catch (error) {
      throw this.transportError(error);
    }

    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw this.transportError(error);
    }
    const { statusCode } = response;
    if (statusCode >= 200 && statusCode < 300) {
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw this.error('DOWNSTREAM_BAD_RESPONSE', `${this.service} answered with invalid JSON`);
      }
    }
    throw this.statusError(statusCode, text);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private statusError(status: number, text: string): GraphQLError {
    const downstreamCode = parseErrorCode(text);
    if (status === 404) return this.error('NOT_FOUND', `${this.service}: not found`, { downstreamCode });
    if (status >= 500 || status === 429) {
      return this.error('DOWNSTREAM_UNAVAILABLE', `${this.service} answered ${status}`, { downstreamStatus: status });
    }
    return this.error('DOWNSTREAM_REJECTED', `${this.service} refused the call (${status})`, { downstreamStatus: status, downstreamCode });
  }

  private transportError(error: unknown): GraphQLError {
    const name = (error as Error)?.name;
    if (
      name === 'TimeoutError' ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError
    ) {
      return this.error('DOWNSTREAM_TIMEOUT', `${this.service} did not answer within ${this.options.timeoutMs} ms`);
    }
    return this.error('DOWNSTREAM_UNAVAILABLE', `${this.service} is unreachable`);
  }

  private error(code: Parameters<typeof concierge>[0], message: string, extra: Record<string, unknown> = {}) {
    return concierge(code, message, { service: this.service, ...extra });
  }
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
