import type { DownstreamName } from '../core/services.ts';
import { DownstreamError, type DownstreamErrorCode, type DownstreamFailure } from '../downstream-error.ts';
import type { RequestObservation } from '../observability/request-observation.ts';
import type { Deadline } from '../resilience/deadline.ts';

/**
 * The token each service is called with, for one request's viewer: never the viewer's own token
 * (its audience is the BFF), but one identity exchanged for that service alone
 * (service-tokens.ts). A cached token comes back as a string; a Promise when identity is asked.
 */
export interface ServiceCredentials {
  tokenFor(service: DownstreamName): string | Promise<string>;
}

/** What every downstream call carries from the GraphQL request that caused it. */
export interface CallContext {
  /** The tokens the viewer's calls carry, one per service (layers/credentials.ts). */
  credentials: ServiceCredentials;
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

/**
 * One call to a downstream service on its way through the layers (layers/), made once per call
 * by the client (http-client.ts). Each layer reads what it needs and hands it to the next; the
 * last three fields are what a layer fills in for the ones inside it, before each attempt.
 */
export interface DownstreamCall {
  readonly service: DownstreamName;
  readonly context: CallContext;
  readonly options: RequestOptions;
  readonly method: NonNullable<RequestOptions['method']>;
  /** The route with its params filled in. */
  readonly path: string;
  /** Only idempotent calls are retried. */
  readonly idempotent: boolean;
  /**
   * A non-critical read's budget (`CallContext.budgets`): the most the call may take from its
   * start, retries included, the deadline still applying. Writes have none.
   */
  readonly budgetMs: number | undefined;
  /** When the budget ends, in ms since the epoch; Infinity without one. */
  readonly budgetEndsAt: number;
  /** The service's token for this call (layers/credentials.ts fills it in before any attempt). */
  token: string;
  /** The attempt under way, from 1 (layers/retry.ts). */
  attempt: number;
  /** What the attempt may take: what is left of the deadline or the budget (layers/time-left.ts). */
  timeoutMs: number;
  /** `grpc` for a gRPC call (grpc-client.ts), whose route is its method's path; HTTP otherwise. */
  readonly protocol?: 'grpc';
  /** The attempt's `traceparent` headers, when it is observed (layers/observe.ts). */
  traceHeaders: Record<string, string> | undefined;
}

/** A call on its way to the service: it answers, or fails with a DownstreamError. */
export type Dispatch = (call: DownstreamCall) => Promise<Answer<unknown>>;

/** One job around the call (retry, breaker, bulkhead...), wrapping the next, as undici's interceptors wrap a dispatch. */
export type Layer = (next: Dispatch) => Dispatch;

/** The layers around `send`, outermost first. */
export const compose = (layers: readonly Layer[], send: Dispatch): Dispatch => layers.reduceRight((next, layer) => layer(next), send);

/** The call's failure, with its service and route. */
export const callError = (call: DownstreamCall, code: DownstreamErrorCode, message: string, failure: Omit<DownstreamFailure, 'service' | 'route'> = {}) =>
  new DownstreamError(code, message, { service: call.service, route: call.options.route, ...failure });
