import { Readable, pipeline } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFrom } from '../core/request-id.ts';
import { headerValue, nodeHeaders } from '../core/headers.ts';
import type { NodeListener } from '../core/node-listener.ts';
import type { Exchange, Reply } from '../request/exchange.ts';
import type { Observer } from '../observability/observer.ts';
import { lastResort } from './last-resort.ts';

export interface FastLaneOptions {
  endpoint: string;
  /** The one request lifecycle (request/lifecycle.ts), the same that yoga's lane runs. */
  handle: (exchange: Exchange) => Promise<Reply>;
  /** Each request's metrics, access line and span, as yoga's path observes its own. */
  observer: Observer;
  /** yoga on node:http, for what the lane does not take: the GraphiQL page, CORS preflights, other routes. */
  yoga: NodeListener;
}

/**
 * The fast lane: the GraphQL endpoint straight from node:http to the request lifecycle and back,
 * without yoga's fetch-API adapter and envelop's hook layers, which the benchmark found cost as
 * much CPU per MobileHome as everything else together (bench/RESULTS.md).
 *
 * It only adapts node's I/O: node's request becomes an `Exchange` (its headers read in place,
 * its body read as it arrives, within the limit the lifecycle gives), and the `Reply` is
 * written back, parts streamed. Every rule is the lifecycle's, so it holds here and on yoga's
 * lane alike; test/bffs/fast-lane.test.ts holds the two to the same status, headers and body.
 * It leaves to yoga the endpoint's CORS preflights, the GraphiQL page (a browser's GET for HTML)
 * and every other path.
 */
export function createFastLane({ endpoint, handle, observer, yoga }: FastLaneOptions): NodeListener {
  return function fastLane(req, res) {
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    if (!takes(req, queryAt === -1 ? url : url.slice(0, queryAt), endpoint)) return yoga(req, res);

    const method = req.method!;
    const headers = nodeHeaders(req.headers); // one view per request: the lifecycle, the observation and the context read it
    const requestId = requestIdFrom(headerValue(req.headers['x-request-id']));
    const observation = observer.begin(method, endpoint, headers, requestId);
    const clientGone = new AbortController();
    // 'close' comes once the answer is out, or when the client left first (499, as nginx logs it):
    // then its downstream calls are cancelled and never counted against a service.
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
      observer.end(observation, res.writableFinished ? res.statusCode : 499);
    });
    const exchange: Exchange = {
      method,
      headers,
      search: queryAt === -1 ? '' : url.slice(queryAt + 1),
      peer: req.socket.remoteAddress ?? 'unknown',
      requestId,
      readBody: (maxBytes) => readBody(req, maxBytes),
      signal: clientGone.signal,
      observation,
    };
    handle(exchange)
      .then((reply) => write(req, res, reply))
      .catch((error: unknown) => lastResort(error, req, res, observer, 'fast_lane')); // the lifecycle answers its own failures: this is a bug of the lane's
  };
}

/**
 * What the lane takes: every request to the endpoint but a CORS preflight (yoga's CORS plugin
 * answers those) and a browser's GET for a page (GraphiQL, in development).
 */
function takes(req: IncomingMessage, path: string, endpoint: string): boolean {
  if (path !== endpoint || req.method === 'OPTIONS') return false;
  return !(req.method === 'GET' && req.headers.accept?.includes('text/html'));
}

/**
 * Writes the reply. A body the lifecycle did not read (a GET's has none; a request refused on its
 * headers) is drained so the connection stays usable, unless the reply closes it: a body refused
 * for its size is never read. Parts are piped with `pipeline`, which cancels the parts when the
 * client leaves (the request's slots come back) and ends the response when a part fails.
 */
function write(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return; // the client left while the answer was computed
  res.writeHead(reply.status, reply.headers);
  if (reply.headers.connection !== 'close' && !req.complete) req.resume();
  const { body } = reply;
  if (body instanceof ReadableStream) {
    pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), res, () => {
      // A part that failed mid-stream can only end the response: its head is long gone.
    });
    return;
  }
  res.end(body);
}

/** The body as it arrives, or undefined as soon as it is over `maxBytes` (the rest is never read). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        req.removeAllListeners('data');
        return resolve(undefined);
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
