import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import type { ErrorCode } from '../errors.ts';
import { refusal } from '../request/replies.ts';
import { NO_STORE } from '../caching/http-cache.ts';
import { requestIdFrom } from '../core/request-id.ts';
import type { Observer } from '../observability/observer.ts';
import type { NodeListener } from '../core/node-listener.ts';

const MASKED_MESSAGE = 'Unexpected error.';

/** One catalog error as a whole answer: `{"errors":[{message, extensions:{code}}]}`. */
export function sendCatalogError(req: IncomingMessage, res: ServerResponse, code: ErrorCode, message: string, requestId: string): void {
  const { status, headers, body } = refusal(code, message, { 'cache-control': NO_STORE, 'x-request-id': requestId });
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The answer to a failure that no handler answered, on any path: logged with its stack and
 * counted (Observer.unexpected), answered 500 `INTERNAL_SERVER_ERROR` with the catalog's body, or
 * the socket cut when the head has already gone. Nothing of the error reaches the client.
 */
export function lastResort(error: unknown, req: IncomingMessage, res: ServerResponse, observer: Observer, transport: 'fast_lane' | 'yoga'): void {
  const requestId = requestIdOf(req);
  observer.unexpected(error, transport, { request_id: requestId, method: req.method, path: req.url?.split('?')[0]?.slice(0, 200) });
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    sendCatalogError(req, res, 'INTERNAL_SERVER_ERROR', MASKED_MESSAGE, requestId);
  } catch {
    res.destroy();
  }
}

/** The part of yoga's server adapter the listener calls. */
interface NodeAdapter {
  handleNodeRequestAndResponse(req: IncomingMessage, res: ServerResponse, context: Record<string, unknown>): Response | Promise<Response>;
}

/**
 * yoga on node:http, with the last resort in place of its adapter's. @whatwg-node/server's own
 * listener (what `yoga` is as a function) answers any error thrown outside yoga's handlers (a
 * URL it cannot build, a plugin's `onRequest` that throws) with `error.stack` as a `text/plain`
 * 500, and offers no option to change that; this is the same two calls it makes
 * (`handleNodeRequestAndResponse`, then `sendNodeResponse`) with our catch between them.
 */
export function yogaNodeListener(yoga: NodeAdapter, observer: Observer): NodeListener {
  return (req, res) => {
    Promise.resolve()
      .then(() => yoga.handleNodeRequestAndResponse(req, res, { req, res }))
      .then((response) => sendNodeResponse(response, res, req, true)) // true: the adapter's default
      .catch((error: unknown) => lastResort(error, req, res, observer, 'yoga'));
  };
}

/** The client's `x-request-id` when it is sane, else a new one (perimeter/request-id.ts). */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return requestIdFrom(Array.isArray(header) ? header[0] : header);
}
