import { concierge } from '../../errors.ts';
import { readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { RequestHeaders } from '../../core/headers.ts';
import type { CorsPolicy } from '../../perimeter/cors.ts';
import type { ScreenStage } from '../../perimeter/pipeline.ts';

/** The static header a page must add; a cross-site form or `<img>` cannot, and a cross-site fetch that does is preflighted. */
export const CSRF_HEADER = 'x-csrf';

/**
 * A request that carries the session cookie is the browser acting for the signed-in user, so it
 * must prove it comes from our page: `X-CSRF: 1` (a custom header no cross-site form, link or
 * image can send, and that makes any cross-site fetch ask first, which CORS answers only for an
 * allowed origin), and, when the browser names its origin, one the client serves. Checked on every
 * request, GET included (OAuth for Browser-Based Apps, §6.1), before anything else runs.
 * Requests without the cookie are left to the origin stage and authentication.
 */
export function csrfStage(cors: CorsPolicy): ScreenStage {
  return ({ request: { headers } }) => refuseCrossSiteSession(headers, cors);
}

/** The check itself, also run by the sign-in routes that read the cookie (/auth/session, /auth/logout). */
export function refuseCrossSiteSession(headers: RequestHeaders, cors: CorsPolicy): void {
  if (readCookie(headers, SESSION_COOKIE) === undefined) return;
  // A WebSocket handshake cannot carry a custom header, and needs none: a browser always sends the
  // page's true Origin on it (no script can set or drop it), so an allowed Origin is the proof, and
  // a cross-site page's handshake (cross-site WebSocket hijacking) is refused by its own Origin.
  if (isWebSocketHandshake(headers)) {
    const origin = headers.get('origin');
    if (origin === null || !cors.allows(origin, headers.get('host'))) {
      throw concierge('CSRF_REJECTED', `A WebSocket with the session cookie must come from an origin this BFF serves, not ${JSON.stringify((origin ?? 'none').slice(0, 100))}.`);
    }
    return;
  }
  if (headers.get(CSRF_HEADER) !== '1') throw concierge('CSRF_REJECTED', 'A request with the session cookie must send the header X-CSRF: 1.');
  const origin = headers.get('origin');
  if (origin !== null && !cors.allows(origin, headers.get('host'))) {
    throw concierge('CSRF_REJECTED', `A request with the session cookie came from ${JSON.stringify(origin.slice(0, 100))}, an origin this BFF does not serve.`);
  }
  // A browser that says the request is cross-site, with no Origin to check it by, is refused too.
  if (origin === null && headers.get('sec-fetch-site') === 'cross-site') throw concierge('CSRF_REJECTED', 'A cross-site request may not carry the session cookie.');
}

/** The headers of a WebSocket handshake (RFC 6455 §4.1), which the socket lane's messages carry. */
const isWebSocketHandshake = (headers: RequestHeaders) => headers.get('upgrade')?.toLowerCase() === 'websocket' && headers.get('sec-websocket-key') !== null;
