import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HttpError } from '../http/errors.ts';
import { ServiceControls } from '../http/controls.ts';
import { createServiceServer, type ServiceServer } from '../http/server.ts';
import { sleep, type LatencySettings } from '../http/latency.ts';
import type { Principal, TokenVerifier } from '../http/auth.ts';

/**
 * The mocks' objects for protobuf messages: as the BFF's clients read them
 * (bffs/kit/downstream/proto-options.ts), kept apart because a mock stands in for another
 * team's service and imports nothing of the BFF.
 */
const PROTO_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true } as const;

/** What a unary method's handler gets: the request message, its metadata's verified token, the clock. */
export interface UnaryContext {
  request: unknown;
  principal: Principal | undefined;
  now: () => Date;
}

/** A gRPC service's methods, by name as in the `.proto`; a handler throws HttpError to fail the call. */
export interface GrpcService {
  /** The `.proto`, from the repository's root. */
  proto: string;
  /** The service's full name (`concierge.search.v1.TitleSearch`). */
  service: string;
  methods: Record<string, (ctx: UnaryContext) => unknown | Promise<unknown>>;
}

export interface GrpcServiceServerOptions {
  name: string;
  service: GrpcService;
  verifier: TokenVerifier | undefined;
  latency: LatencySettings;
  now?: () => Date;
}

/**
 * HTTP statuses (a mock's HttpError, an injected `errorStatus`) as gRPC status codes: the
 * inverse of grpc-gateway's `HTTPStatusFromCode`, the mapping gRPC's transcoding gateways use,
 * so an injected 429 is RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED.
 */
const STATUS_OF_HTTP: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  409: grpc.status.ABORTED,
  412: grpc.status.FAILED_PRECONDITION,
  429: grpc.status.RESOURCE_EXHAUSTED,
  499: grpc.status.CANCELLED,
  500: grpc.status.INTERNAL,
  501: grpc.status.UNIMPLEMENTED,
  502: grpc.status.UNAVAILABLE,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

export const grpcStatusOfHttp = (status: number): grpc.status =>
  STATUS_OF_HTTP[status] ?? (status >= 500 ? grpc.status.INTERNAL : grpc.status.FAILED_PRECONDITION);

/** What a malformed fault answers in place of the message: a length-delimited field cut short. */
const MALFORMED = Symbol('malformed');
const MALFORMED_BYTES = Buffer.from([0x0a, 0x7f, 0x01]);

/** The first bytes of every HTTP/2 connection (RFC 9113 §3.4): a gRPC client's; anything else is HTTP/1.1. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * One gRPC service as a mock: @grpc/grpc-js's server over cleartext HTTP/2 (h2c), with the same
 * controls as the REST mocks (ServiceControls: counters and faults, latency from the environment)
 * at `/__admin/` on the same port, over HTTP/1.1, so a test or `curl` sets a gRPC service's
 * faults exactly as a REST one's.
 *
 * One port for both: a net server reads the first bytes of each connection and hands an HTTP/2
 * one (its preface) to grpc-js through `createConnectionInjector`, and any other to the admin's
 * node:http server. A method's counter key is its gRPC path (`/concierge.search.v1.TitleSearch/SearchTitles`).
 */
export function createGrpcServiceServer(options: GrpcServiceServerOptions): ServiceServer {
  const { name, service, verifier, latency } = options;
  const now = options.now ?? (() => new Date());
  const controls = new ServiceControls();
  const admin = createServiceServer({ name, routes: [], verifier: undefined, latency, now, controls });

  const definition = protoLoader.loadSync(service.proto, PROTO_OPTIONS)[service.service] as grpc.ServiceDefinition;
  if (!definition) throw new Error(`${service.proto} has no service ${service.service}`);
  const grpcServer = new grpc.Server();
  const served: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [method, spec] of Object.entries(definition)) {
    const handler = service.methods[method];
    if (!handler) throw new Error(`${name}: no handler for ${service.service}/${method}`);
    // A malformed fault answers bytes that are no message of the response's type.
    served[method] = { ...spec, responseSerialize: (value: unknown) => (value === MALFORMED ? MALFORMED_BYTES : spec.responseSerialize(value)) };
    handlers[method] = unary(spec.path, handler);
  }
  grpcServer.addService(served, handlers);
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());

  /** Open sockets by peer (`127.0.0.1:50123`, as grpc-js names a call's peer): a reset fault destroys the call's. */
  const sockets = new Map<string, net.Socket>();

  function unary(path: string, handler: GrpcService['methods'][string]): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      const fail = (error: unknown) => callback(toServiceError(error, name));
      (async () => {
        const { delayMs, fault } = controls.admit(path, latency);
        if (delayMs > 0) await sleep(delayMs);
        if (fault.kind === 'hang') return; // never answered: the client's deadline or cancel ends the call
        if (fault.kind === 'reset') return void sockets.get(call.getPeer())?.destroy();
        if (fault.kind === 'error') {
          const trailers = new grpc.Metadata();
          if (fault.retryAfterSeconds !== undefined) trailers.set('grpc-retry-pushback-ms', String(fault.retryAfterSeconds * 1000));
          return fail(Object.assign(new HttpError(fault.status, 'INJECTED_FAULT', `injected ${fault.status} from ${name}`), { trailers }));
        }
        const principal = await verifier?.verify(firstValue(call.metadata, 'authorization'));
        const response = await handler({ request: call.request, principal, now });
        callback(null, fault.kind === 'malformed' ? MALFORMED : response);
      })().catch(fail);
    };
  }

  const server = net.createServer((socket) => {
    const key = `${socket.remoteAddress?.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress}:${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const h2 = head.subarray(0, H2_PREFACE.length).equals(H2_PREFACE.subarray(0, Math.min(head.length, H2_PREFACE.length)));
      if (h2 && head.length < H2_PREFACE.length) return; // could still be either: wait for more
      socket.off('data', sniff);
      socket.pause();
      socket.unshift(head);
      if (h2) return injector.injectConnection(socket); // node:http2 reads what was put back (socket.readableLength) first
      admin.server.emit('connection', socket);
      process.nextTick(() => socket.resume()); // node:http reads it as 'data' once the socket flows again
    };
    socket.on('data', sniff);
  });

  return {
    name,
    server: admin.server,
    counters: controls.counters,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: actual } = server.address() as AddressInfo;
          resolve(`http://${host}:${actual}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        injector.destroy();
        grpcServer.forceShutdown();
        for (const socket of sockets.values()) socket.destroy();
        admin.server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function firstValue(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : String(value);
}

/** A handler's failure as a gRPC status: an HttpError by its status (its code in the details), anything else INTERNAL. */
function toServiceError(error: unknown, service: string): Partial<grpc.StatusObject> {
  if (error instanceof HttpError) {
    const trailers = (error as HttpError & { trailers?: grpc.Metadata }).trailers ?? new grpc.Metadata();
    trailers.set('concierge-error-code', error.code);
    return { code: grpcStatusOfHttp(error.status), details: `${error.code}: ${error.message}`, metadata: trailers };
  }
  console.error(`[${service}] unexpected error`, error);
  return { code: grpc.status.INTERNAL, details: 'INTERNAL: unexpected error in mock service' };
}
