import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Reads `x-request-id` when it is sane, makes one otherwise, and echoes it on the response, so a
 * client, the BFF's logs and every downstream call share one id.
 */
export function requestIdOf(request: Request): string {
  const incoming = request.headers.get('x-request-id');
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

const ids = new WeakMap<Request, string>();

export function requestId(request: Request): string {
  let id = ids.get(request);
  if (!id) ids.set(request, (id = requestIdOf(request)));
  return id;
}

export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestId(request));
    },
  };
}
