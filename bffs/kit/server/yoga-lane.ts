import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { requestId } from '../core/request-id.ts';
import { observationOf } from '../observability/yoga-observation.ts';
import type { Exchange, Reply } from '../request/exchange.ts';
import { refusal } from '../request/replies.ts';

export interface YogaLaneOptions {
  endpoint: string;
  /** The one request lifecycle (request/lifecycle.ts), the same that the fast lane runs. */
  handle: (exchange: Exchange) => Promise<Reply>;
  /** Paths yoga serves besides the endpoint (health, readiness, a wing's routes answer before this). */
  otherRoutes: readonly string[];
}

/**
 * yoga's lane: the GraphQL endpoint through yoga's fetch-API server, for `bff.fetch()` (tests
 * drive it with no port open), for node:http when the fast lane is off, and for what the fast
 * lane leaves to yoga. It only adapts the fetch API's I/O: the `Request` becomes an `Exchange`,
 * the `Reply` a `Response`; every rule is the lifecycle's. Yoga's own parsing, validation and
 * execution never run. What yoga keeps: its server adapter, CORS preflights, the plugins of the
 * wings that answer routes of their own (GraphiQL's page, sign-in), health and readiness.
 *
 * Put it after those plugins: any other path is 404 ROUTE_NOT_FOUND here.
 */
export function useYogaLane({ endpoint, handle, otherRoutes }: YogaLaneOptions): Plugin {
  const served = new Set([endpoint, ...otherRoutes]);
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      // yoga serves its endpoint with a trailing slash too.
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      if (!served.has(path)) {
        const { status, headers, body } = refusal('ROUTE_NOT_FOUND', `Nothing is served at ${url.pathname.slice(0, 100)}.`);
        return endResponse(new fetchAPI.Response(body as string, { status, headers }));
      }
      if (path !== endpoint || request.method === 'OPTIONS') return;
      const reply = await handle({
        method: request.method,
        headers: request.headers,
        search: url.search.slice(1),
        peer: (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket.remoteAddress ?? 'unknown',
        requestId: requestId(request),
        readBody: (maxBytes) => readBody(request, maxBytes),
        signal: request.signal,
        observation: observationOf(request)!, // useObservation observes every request to the endpoint
      });
      endResponse(new fetchAPI.Response((reply.body ?? null) as BodyInit | null, { status: reply.status, headers: reply.headers }));
    },
  };
}

/**
 * The body as it streams, or undefined as soon as it is over `maxBytes`. The reader is let go,
 * not cancelled: cancelling would destroy the socket before the 413 goes out (the reply closes
 * the connection instead).
 */
async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > maxBytes) {
      reader.releaseLock();
      return undefined;
    }
    chunks.push(value);
  }
}

/** Every answer of yoga's, a wing's route included, names its request id, as the lifecycle's replies do. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestId(request));
    },
  };
}
