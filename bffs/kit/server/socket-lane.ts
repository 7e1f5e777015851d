import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { requestIdFrom } from '../core/request-id.ts';
import { nodeHeaders, type RequestHeaders } from '../core/headers.ts';
import { catalogBody, ERRORS, hasCode, type ErrorCode } from '../errors.ts';
import { mappedEvents } from '../core/mapped-events.ts';
import type { LiveConnections } from '../perimeter/live-connections.ts';
import type { Gate } from '../perimeter/pipeline.ts';
import { watchSession } from '../perimeter/session-watch.ts';
import type { Exchange, Reply } from '../request/exchange.ts';
import type { Observer } from '../observability/observer.ts';

/** What one WebSocket may do, and how its liveness is kept (README: Live updates). */
export interface SocketLimits {
  subscriptionsPerSocket: number;
  /** A message over this closes the socket (1009, RFC 6455). */
  maxMessageBytes: number;
  /** `connection_init` must come within this, else 4408 (graphql-ws). */
  initTimeoutMs: number;
  /** A ping this often; a socket that has not answered the last one by the next is dropped. */
  keepAliveMs: number;
  /** How often the handshake's session is checked again: a session that ended closes the socket (4401). */
  sessionCheckMs: number;
  /**
   * On shutdown the sockets are closed with 1012 spread evenly over this long, not all at once:
   * every app reconnects at the moment it is told to, and a thousand at one instant is a herd the
   * replica they go to must absorb in one go (its /ready check timed out in the cluster proof, and
   * the balancer then had no server left).
   */
  restartSpreadMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  subscriptionsPerSocket: 16,
  maxMessageBytes: 64 * 1024,
  initTimeoutMs: 5_000,
  keepAliveMs: 20_000,
  sessionCheckMs: 5_000,
  restartSpreadMs: 2_000,
};

/** How many groups the sockets are closed in on shutdown (`restartSpreadMs` apart / slices). */
const RESTART_SLICES = 20;

/** The close codes the app acts on, beside graphql-ws's own (4400 bad message, 4408 no init in time, …). */
export const CLOSE = {
  /** The session ended (signed out, expired, logged out at the provider, a TV signed out): sign in again. */
  sessionEnded: CloseCode.Unauthorized,
  /** The consumer fell too far behind its events: reconnect and resume with `after`. */
  slowConsumer: 4008,
  /** The replica is restarting (RFC 6455 1012): reconnect, to another replica, and resume with `after`. */
  restart: 1012,
} as const;

export interface SocketLaneOptions {
  endpoint: string;
  /** The one request lifecycle: every `subscribe` message is a request to it. */
  handle: (exchange: Exchange) => Promise<Reply>;
  /** The perimeter's handshake gate: the first stages, origin and viewer (perimeter/index.ts). */
  handshake: Gate;
  connections: LiveConnections;
  observer: Observer;
  logger: Logger;
  production: boolean;
  limits: SocketLimits;
}

/** A socket's own: the handshake's headers (every message is judged with them), its viewer, and what to give back. */
interface SocketState {
  headers: RequestHeaders;
  /** The app's version from `connection_init` (`x-client-version`), which the handshake could not carry. */
  version?: string;
  peer: string;
  viewerId: string;
  gone: AbortController;
  release: () => void;
}

/**
 * The WebSocket lane: the graphql-ws protocol (`graphql-transport-ws`) at the endpoint, through
 * the `ws` and `graphql-ws` libraries, adapted to the one request lifecycle like the two HTTP lanes.
 *
 *  handshake   the perimeter's handshake gate (the wings' first stages, so a session cookie's CSRF
 *              rule: an allowed Origin; the origin; the viewer), then a live connection slot per
 *              viewer and address (LiveConnections): refused with the catalog's status and body
 *              before the socket opens;
 *  subscribe   each message is an `Exchange` to the lifecycle, with the handshake's headers: trusted
 *              documents, limits, app version, rate limits, the same as any request; a refusal is
 *              graphql-ws's `error` message, events are `next` messages;
 *  while open  pings (graphql-ws's keep-alive), the session checked every `sessionCheckMs` (4401
 *              when it ended), a consumer too far behind closed (4008), and 1012 on shutdown.
 *
 * graphql-ws runs the protocol and the lifecycle runs the request: `onSubscribe` hands the
 * lifecycle's reply through the execution arguments, and our `execute`/`subscribe` return it as it is.
 */
export function createSocketLane({ endpoint, handle, handshake, connections, observer, logger, production, limits }: SocketLaneOptions) {
  const log = logger.child({ component: 'socket-lane' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  const states = new WeakMap<WebSocket, SocketState>();
  const sockets = new Set<WebSocket>();
  let subscriptions = 0;

  useServer<Record<string, unknown>, { lane: SocketState }>(
    {
      isProd: production,
      connectionInitWaitTimeout: limits.initTimeoutMs,
      // The handshake was judged before the socket opened. A browser cannot set headers on it, so
      // the app's version may come in `connection_init`'s payload, as `x-client-version` would.
      onConnect: (ctx) => {
        const version = ctx.connectionParams?.['x-client-version'];
        if (typeof version === 'string' && version.length <= 64) states.get(ctx.extra.socket)!.version = version;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = states.get(ctx.extra.socket)!;
        if (Object.keys(ctx.subscriptions).length > limits.subscriptionsPerSocket) {
          return [catalogError('TOO_MANY_SUBSCRIPTIONS', `This WebSocket already carries ${limits.subscriptionsPerSocket} subscriptions.`, { max: limits.subscriptionsPerSocket })];
        }
        const exchange = exchangeOf(state, payload as unknown as Record<string, unknown>);
        const reply = await handle(exchange);
        // A subscription's request ends once it started: its events are counted on their own (live-events.ts).
        observer.end(exchange.observation, reply.status);
        if (reply.result && reply.status >= 400) return socketErrors(reply.result);
        if (reply.results) subscriptions++;
        const delivered = reply.results ? relayed(reply.results, ctx.extra.socket, () => subscriptions--) : reply.result!;
        return { schema: undefined as never, document: reply.results ? SUBSCRIPTION : QUERY, contextValue: delivered } satisfies ExecutionArgs;
      },
      execute: (args) => publicResult(args.contextValue as ExecutionResult),
      subscribe: (args) => args.contextValue as AsyncIterableIterator<ExecutionResult>,
    },
    wss,
    limits.keepAliveMs,
  );

  /** A `subscribe` message as a request to the lifecycle: the handshake's headers, its own id and observation. */
  function exchangeOf(state: SocketState, payload: Record<string, unknown>): Exchange {
    const requestId = requestIdFrom(null);
    const observation = observer.begin('POST', endpoint, state.headers, requestId);
    // graphql-ws asks every message for a `query` string: a client sending a document id sends ''.
    const { query, ...rest } = payload;
    const params = query === '' && (rest.documentId !== undefined || rest.extensions !== undefined) ? rest : payload;
    const { version } = state;
    const headers: RequestHeaders = version === undefined ? state.headers : { get: (name) => (name.toLowerCase() === 'x-client-version' ? version : state.headers.get(name)) };
    return {
      method: 'POST', // a message on the socket may carry a mutation, like a POST
      headers,
      search: '',
      peer: state.peer,
      requestId,
      readBody: async () => undefined,
      signal: state.gone.signal,
      observation, // ended by onSubscribe, once the lifecycle answered
      takes: 'results',
      params,
    } satisfies Exchange;
  }

  /** The subscription's results, its errors without internals; a consumer cut off as too slow closes its socket with 4008. */
  function relayed(results: AsyncIterableIterator<ExecutionResult>, socket: WebSocket, ended: () => void): AsyncIterableIterator<ExecutionResult> {
    return mappedEvents(results, publicResult, {
      ended,
      endsQuietly: (error) => {
        if (!hasCode(error, 'SLOW_CONSUMER')) return false;
        socket.close(CLOSE.slowConsumer, 'SLOW_CONSUMER');
        return true;
      },
    });
  }

  /** The HTTP server's `upgrade` listener: the handshake judged, then the socket opened. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== endpoint) return refuseUpgrade(socket, 404, 'ROUTE_NOT_FOUND', 'Nothing is served at this path.');
    const headers = nodeHeaders(req.headers);
    const peer = req.socket.remoteAddress ?? 'unknown';
    let verdict;
    try {
      verdict = await handshake({ method: 'GET', headers, peer, params: {} });
    } catch (error) {
      log.error({ err: error }, 'socket handshake failed');
      return refuseUpgrade(socket, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
    }
    const refusal = verdict.refused?.errors?.[0];
    if (refusal) return refuseWith(socket, refusal);
    const slot = connections.take(verdict.viewer!.id, verdict.clientAddress ?? peer);
    if (slot.refused) return refuseWith(socket, slot.refused);
    if (socket.destroyed) return slot.release();

    wss.handleUpgrade(req, socket, head, (ws) => {
      const state: SocketState = { headers, peer, viewerId: verdict.viewer!.id, gone: new AbortController(), release: slot.release };
      states.set(ws, state);
      sockets.add(ws);
      const unwatch = watchSession(handshake, { method: 'GET', headers, peer, params: {} }, limits.sessionCheckMs, (refusal) => ws.close(CLOSE.sessionEnded, String(refusal.extensions?.code ?? 'UNAUTHENTICATED')));
      ws.once('close', () => {
        unwatch();
        sockets.delete(ws);
        state.gone.abort();
        state.release();
      });
      wss.emit('connection', ws, req);
    });
  }

  return {
    upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(req, socket, head),
    /** Open sockets, and subscriptions on them (gauges). */
    get sockets() {
      return sockets.size;
    },
    get subscriptions() {
      return subscriptions;
    },
    /**
     * Closes every socket with 1012 (reconnect elsewhere and resume with `after`), in slices spread
     * over `limits.restartSpreadMs`; resolves once the last slice was told.
     */
    async closeAll(): Promise<void> {
      const open = [...sockets];
      const slices = Math.min(RESTART_SLICES, open.length);
      for (let slice = 0; slice < slices; slice++) {
        if (slice > 0) await new Promise((resolve) => setTimeout(resolve, limits.restartSpreadMs / slices));
        for (let i = slice; i < open.length; i += slices) open[i]!.close(CLOSE.restart, 'SERVICE_RESTART');
      }
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

export type SocketLane = ReturnType<typeof createSocketLane>;

/** graphql-ws picks `execute` or `subscribe` by the document's operation: these only say which. */
const QUERY = parse('query Answered { __typename }');
const SUBSCRIPTION = parse('subscription Subscribed { __typename }');

/** A catalog error as the socket sends it: the code and extra, never `extensions.http` (the status is HTTP's). */
function catalogError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extra, code } });
}

function socketErrors(result: ExecutionResult): GraphQLError[] {
  return (result.errors ?? []).map((error) => new GraphQLError(error.message, { path: error.path, extensions: withoutHttp(error.extensions) }));
}

function publicResult(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: socketErrors(result) };
}

function withoutHttp(extensions: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!extensions || !('http' in extensions)) return extensions;
  const { http: _http, ...rest } = extensions;
  return rest;
}

/** A handshake refused with the error's own status, headers and catalog body, and the socket ended. */
function refuseWith(socket: Duplex, error: GraphQLError): void {
  const http = error.extensions?.http as { status?: number; headers?: Record<string, string> } | undefined;
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') as ErrorCode;
  const { http: _http, code: _code, ...extra } = error.extensions ?? {};
  refuseUpgrade(socket, http?.status ?? ERRORS[code]?.status ?? 400, code, error.message, http?.headers, extra);
}

function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  if (socket.destroyed) return;
  const body = catalogBody(code, message, extra);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}`,
    'connection: close',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
