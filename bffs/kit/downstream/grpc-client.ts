import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { DownstreamName } from '../core/services.ts';
import type { AbortListener } from '../resilience/deadline.ts';
import { callError, compose, type Answer, type CallContext, type Dispatch, type DownstreamCall } from './call.ts';
import type { ServiceGuard } from './service-guard.ts';

export interface DownstreamGrpcOptions {
  guard: ServiceGuard;
}

/** A method's request type, and its response as proto-loader makes it (the generated `__Output` type). */

type RequestOf<M> = M extends MethodDefinition<infer Request, any, any, any> ? Request : never;
type ResponseOf<M> = M extends MethodDefinition<any, any, any, infer Response> ? Response : never;

/**
 * The channel's own retries are off: the guard's retry layer retries, with the service's shared
 * budget and its pushback, and two retry loops would multiply each other. A dropped connection
 * is dialled again soon, not after grpc-js's default second.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.enable_retries': 0,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

/**
 * Unary gRPC calls to one downstream service over one HTTP/2 connection (@grpc/grpc-js, cleartext
 * h2c), through the service's layers as REST calls go (service-guard.ts: retries, time left,
 * breaker, bulkhead, observation). Each attempt sends what is left of the request's time as its
 * deadline (`grpc-timeout`), the token, the request id and `traceparent` in its metadata, and is
 * cancelled when the request's deadline passes or its client goes away. Every failure is a
 * DownstreamError (statusError below), so callers never see a gRPC status.
 *
 * The route of a call (metrics and log lines) is its method's gRPC path
 * (`/concierge.search.v1.TitleSearch/SearchTitles`); its span follows OpenTelemetry's RPC
 * conventions (`concierge.search.v1.TitleSearch/SearchTitles`, `rpc.system` `grpc`).
 */
export class DownstreamGrpc<D extends grpc.ServiceDefinition> {
  private readonly client: grpc.Client;
  private readonly dispatch: Dispatch;
  /** Each method by its path, as an attempt names it. */
  private readonly methods: ReadonlyMap<string, grpc.MethodDefinition<unknown, unknown>>;

  constructor(
    readonly service: DownstreamName,
    origin: string,
    private readonly definition: D,
    options: DownstreamGrpcOptions,
  ) {
    this.client = new grpc.Client(targetOf(origin), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.methods = new Map(Object.values(definition).map((method) => [method.path, method]));
    this.dispatch = compose(options.guard.layers, (call) => this.send(call));
  }

  /** One unary call of `method`: its answer, or a DownstreamError. Reads are retried (`idempotent`). */
  async unary<K extends keyof D & string>(context: CallContext, method: K, request: RequestOf<D[K]>, { idempotent = true } = {}): Promise<ResponseOf<D[K]>> {
    const { path } = this.definition[method]!;
    const budgetMs = idempotent ? context.budgets?.[this.service] : undefined;
    const call: DownstreamCall = {
      service: this.service,
      protocol: 'grpc',
      context,
      options: { method: 'POST', route: path, body: request, idempotent },
      method: 'POST',
      path,
      idempotent,
      budgetMs,
      budgetEndsAt: budgetMs === undefined ? Infinity : Date.now() + budgetMs,
      token: '', // the credentials layer (layers/credentials.ts) puts the service's own token here
      attempt: 1,
      timeoutMs: 0,
      traceHeaders: undefined,
    };
    const answer = await this.dispatch(call);
    return answer.body as ResponseOf<D[K]>;
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }

  /** One attempt, the innermost layer: its deadline is what the time-left layer gave it. */
  private send(call: DownstreamCall): Promise<Answer<unknown>> {
    const { context, timeoutMs } = call;
    const spec = this.methods.get(call.path)!;
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${call.token}`);
    metadata.set('x-request-id', context.requestId);
    for (const [name, value] of Object.entries(call.traceHeaders ?? {})) metadata.set(name, value);

    return new Promise((resolve, reject) => {
      let trailers: grpc.Metadata | undefined;
      const aborted: AbortListener = { deadlineAborted: () => attempt.cancel() };
      const attempt = this.client.makeUnaryRequest(
        call.path,
        spec.requestSerialize,
        spec.responseDeserialize,
        call.options.body,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, value) => {
          context.deadline.unlisten(aborted);
          if (!error) return resolve({ status: 200, body: value, header: (name) => firstValue(trailers, name) });
          if (context.deadline.clientGone) return reject(callError(call, 'CLIENT_CLOSED_REQUEST', `the client went away during the call to ${this.service}`));
          // Cancelled by us: the request's deadline passed, which the call's own deadline would have said.
          if (error.code === grpc.status.CANCELLED && context.deadline.aborted) return reject(timeout(call));
          reject(statusError(call, error));
        },
      );
      attempt.on('status', (status: grpc.StatusObject) => (trailers = status.metadata));
      context.deadline.listen(aborted);
    });
  }
}

/** `http://host:port` (the `<SERVICE>_URL` form every service has) as grpc-js's `host:port` target. */
function targetOf(origin: string): string {
  const url = new URL(origin);
  return url.port ? `${url.hostname}:${url.port}` : `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
}

function firstValue(metadata: grpc.Metadata | undefined, name: string): string | undefined {
  const value = metadata?.get(name)[0];
  return value === undefined ? undefined : String(value);
}

const timeout = (call: DownstreamCall) => callError(call, 'DOWNSTREAM_TIMEOUT', `${call.service} did not answer within ${Math.round(call.timeoutMs)} ms`);

/** grpc-js's message for a response that is no message of its type. */
const UNPARSABLE = 'Response message parsing error';

/**
 * A gRPC status as the catalog's codes, as statusError does for HTTP: what says the service is
 * unhealthy (UNAVAILABLE, a connection dropped or refused; INTERNAL, UNKNOWN, DATA_LOSS, ABORTED;
 * RESOURCE_EXHAUSTED, the 429 of gRPC) is DOWNSTREAM_UNAVAILABLE, retried and counted by the
 * breaker, with the service's pushback (`grpc-retry-pushback-ms`, gRPC's Retry-After) as
 * `retryAfterMs`; DEADLINE_EXCEEDED is DOWNSTREAM_TIMEOUT; NOT_FOUND is NOT_FOUND; a refusal of
 * the call itself (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, FAILED_PRECONDITION,
 * OUT_OF_RANGE, ALREADY_EXISTS, UNIMPLEMENTED) is DOWNSTREAM_REJECTED. A response that does not
 * decode is DOWNSTREAM_BAD_RESPONSE. `downstreamCode` is the status's name.
 */
function statusError(call: DownstreamCall, error: grpc.ServiceError) {
  const { service } = call;
  const downstreamCode = grpc.status[error.code] ?? String(error.code);
  const details = error.details ? `: ${error.details}` : '';
  switch (error.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return callError(call, 'DOWNSTREAM_TIMEOUT', `${service} did not answer within ${Math.round(call.timeoutMs)} ms`, { downstreamCode });
    case grpc.status.NOT_FOUND:
      return callError(call, 'NOT_FOUND', `${service}: not found`, { downstreamCode });
    case grpc.status.INTERNAL:
      if (error.details?.startsWith(UNPARSABLE)) return callError(call, 'DOWNSTREAM_BAD_RESPONSE', `${service} answered with a message that does not decode`, { downstreamCode });
      return callError(call, 'DOWNSTREAM_UNAVAILABLE', `${service} failed (${downstreamCode}${details})`, { downstreamCode });
    case grpc.status.UNAVAILABLE:
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.UNKNOWN:
    case grpc.status.DATA_LOSS:
    case grpc.status.ABORTED:
    case grpc.status.CANCELLED:
      return callError(call, 'DOWNSTREAM_UNAVAILABLE', `${service} failed (${downstreamCode}${details})`, { downstreamCode, retryAfterMs: pushback(error.metadata) });
    default:
      return callError(call, 'DOWNSTREAM_REJECTED', `${service} refused the call (${downstreamCode}${details})`, { downstreamCode });
  }
}

/** `grpc-retry-pushback-ms` (gRPC's retry design, A6): how long the service asked not to be called again. */
function pushback(metadata: grpc.Metadata | undefined): number | undefined {
  const value = firstValue(metadata, 'grpc-retry-pushback-ms');
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
