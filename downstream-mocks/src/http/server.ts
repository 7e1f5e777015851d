import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, errorBody } from './errors.ts';
import { Router, type RouteDefinition } from './router.ts';
import type { RequestCounters } from './counters.ts';
import { ServiceControls } from './controls.ts';
import { sleep, type LatencySettings } from './latency.ts';
import { assertOwner, type Principal, type TokenVerifier } from './auth.ts';

/** Bodies above this are refused with 413 before they are read in full. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The request's headers (conditional requests read `if-none-match`). */
  headers: http.IncomingHttpHeaders;
  principal: Principal | undefined;
  /** The mocks' clock: frozen by `MOCKS_NOW` for deterministic snapshots. */
  now: () => Date;
}

/** Return this from a handler to choose the status and headers; any other value is sent as 200 JSON. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** A body that is already serialized JSON (pre-rendered titles), sent as-is, with any headers given. */
export class RawJson {
  constructor(
    readonly json: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface ServiceServerOptions {
  name: string;
  routes: RouteDefinition[];
  verifier: TokenVerifier | undefined;
  latency: LatencySettings;
  now?: () => Date;
  /** The counters and faults, when another server of the service shares them (grpc/server.ts); else its own. */
  controls?: ServiceControls;
}

export interface ServiceServer {
  name: string;
  /** The HTTP/1.1 server: every route of a REST service; a gRPC service's admin routes. */
  server: http.Server;
  counters: RequestCounters;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * One downstream service as a plain node:http server. Besides its routes it serves the admin
 * controls under `/__admin/` (faults and request counters), which are neither counted nor faulted.
 */
export function createServiceServer(options: ServiceServerOptions): ServiceServer {
  const { name, verifier, latency } = options;
  const now = options.now ?? (() => new Date());
  const router = new Router(options.routes);
  const controls = options.controls ?? new ServiceControls();
  const { counters, admin } = controls;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock');
    const method = req.method ?? 'GET';

    if (url.pathname.startsWith('/__admin/')) {
      const match = admin.match(method, url.pathname);
      if (!match || match === 'method') throw new HttpError(404, 'ROUTE_NOT_FOUND', `no admin route ${method} ${url.pathname}`);
      const body = await readJsonBody(req);
      const result = await match.route.handler!({ params: match.params, query: url.searchParams, body, headers: req.headers, principal: undefined, now });
      return send(res, result === undefined ? new Reply(204) : result);
    }

    const match = router.match(method, url.pathname);
    if (match === 'method') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    if (!match) throw new HttpError(404, 'ROUTE_NOT_FOUND', `no route ${method} ${url.pathname}`);

    const routeKey = `${match.route.method} ${match.route.path}`;
    const { delayMs, fault } = controls.admit(routeKey, latency, match.route.unfaulted);
    if (delayMs > 0) await sleep(delayMs);

    if (fault.kind === 'hang') return; // the socket stays open until the client or close() ends it
    if (fault.kind === 'reset') return void req.socket.destroy();
    if (fault.kind === 'error') {
      const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      throw new HttpError(fault.status, 'INJECTED_FAULT', `injected ${fault.status} from ${name}`, headers);
    }

    const { route } = match;
    if (route.raw) {
      // A raw route cannot have its answer truncated afterwards, so a malformed fault replaces
      // the answer instead: the handler (and its side effects) does not run.
      if (fault.kind === 'malformed') return sendMalformed(res);
      const countDetail = (key: string) => counters.incrementDetail(`${routeKey} ${key}`);
      return route.raw(req, res, { params: match.params, query: url.searchParams, countDetail });
    }

    const principal = route.public ? undefined : await verifier?.verify(req.headers.authorization);
    if (principal && route.ownerParam) assertOwner(principal, match.params[route.ownerParam]!);
    const body = await readJsonBody(req);
    const result = await route.handler({ params: match.params, query: url.searchParams, body, headers: req.headers, principal, now });

    if (fault.kind === 'malformed') return sendMalformed(res);
    // A test tells a revalidation answered without a body from a full answer by this count.
    if (result instanceof Reply && result.status === 304) counters.incrementDetail(`${routeKey} 304`);
    send(res, result);
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error, name));
  });
  // Hanging requests must not keep the process alive when the mocks shut down.
  server.on('clientError', (_err, socket) => socket.destroy());

  return {
    name,
    server,
    counters,
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
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Not `for await`: leaving that loop early destroys the request, which left the keep-alive
  // connection with an unread body, so the client's next request on it hung and was reset.
  // On overflow the rest is drained and discarded instead, as for a declared oversize body.
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).off('end', resolve).off('error', reject);
      req.resume();
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `body exceeds ${MAX_BODY_BYTES} bytes`));
    };
    req.on('data', onData).once('end', resolve).once('error', reject);
  });
  if (size === 0) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
}

function sendMalformed(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"truncated": [1, 2, ');
}

function send(res: http.ServerResponse, result: unknown): void {
  if (result instanceof Reply) {
    if (result.body === undefined) {
      res.writeHead(result.status, result.headers);
      return void res.end();
    }
    return writeJson(res, result.status, JSON.stringify(result.body), result.headers);
  }
  if (result instanceof RawJson) return writeJson(res, 200, result.json, result.headers);
  writeJson(res, 200, JSON.stringify(result));
}

function writeJson(res: http.ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function sendError(res: http.ServerResponse, error: unknown, service: string): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  if (error instanceof HttpError) {
    return writeJson(res, error.status, errorBody(error.code, error.message), error.headers);
  }
  console.error(`[${service}] unexpected error`, error);
  writeJson(res, 500, errorBody('INTERNAL', 'unexpected error in mock service'));
}
