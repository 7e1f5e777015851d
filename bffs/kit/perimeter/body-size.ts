import { catalogBody, ERRORS } from '../errors.ts';
import type { ShedResponse } from './load-shedding.ts';

/** The answer to a request refused on its headers alone, the same from both transports (as a shed one). */
export type EarlyRefusal = ShedResponse;

/**
 * Refuses a body over the client's limit on its declared length, before a byte of it is read
 * (413 REQUEST_TOO_LARGE, and the connection closes rather than drain it). Both transports call it
 * first; a body with no declared length (chunked) is counted as it streams, against the same
 * limit, by the lifecycle's body reader (request/lifecycle.ts), and cut off past it.
 */
export function refuseLargeBody(contentLength: string | null | undefined, maxBytes: number): EarlyRefusal | undefined {
  if (contentLength == null || !/^\d+$/.test(contentLength) || Number(contentLength) <= maxBytes) return undefined;
  const body = catalogBody('REQUEST_TOO_LARGE', `The request body is ${contentLength} bytes; this BFF reads at most ${maxBytes}.`, { max: maxBytes });
  return { code: 'REQUEST_TOO_LARGE', status: ERRORS.REQUEST_TOO_LARGE.status, headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' }, body };
}
