import type { IncomingHttpHeaders } from 'node:http';

/** The request headers the kit reads: a fetch `Headers`, or a view of node's (the fast lane). */
export interface RequestHeaders {
  get(name: string): string | null;
}

/** node's headers (already lower-cased) read like fetch `Headers`: a repeated header joined with ", ". */
export function nodeHeaders(headers: IncomingHttpHeaders): RequestHeaders {
  return { get: (name) => headerValue(headers[name.toLowerCase()]) };
}

export function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
