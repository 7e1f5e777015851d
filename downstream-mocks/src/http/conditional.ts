import type http from 'node:http';

/**
 * RFC 9110 §13.1.2: true when `If-None-Match` names the current representation, so a GET is
 * answered 304. `*` matches any current representation; otherwise the tags compare weakly
 * (`W/"x"` matches `"x"`), as the RFC requires for If-None-Match.
 */
export function noneMatchHits(headers: http.IncomingHttpHeaders, etag: string): boolean {
  const header = headers['if-none-match'];
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = stripWeak(etag);
  for (const tag of header.match(ENTITY_TAG) ?? []) if (stripWeak(tag) === opaque) return true;
  return false;
}

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
const stripWeak = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
