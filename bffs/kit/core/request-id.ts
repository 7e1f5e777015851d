import { randomUUID } from 'node:crypto';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The request's id: the client's `x-request-id` when it is sane, a new one otherwise. A client,
 * the BFF's logs and every downstream call share it, and the response echoes it.
 */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

const ids = new WeakMap<Request, string>();

/** The id of a request on yoga's path, made once per request. */
export function requestId(request: Request): string {
  let id = ids.get(request);
  if (!id) ids.set(request, (id = requestIdFrom(request.headers.get('x-request-id'))));
  return id;
}
