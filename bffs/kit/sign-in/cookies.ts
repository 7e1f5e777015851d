import type { RequestHeaders } from '../core/headers.ts';

/**
 * The session cookie: `__Host-` so a browser takes it only when it is `Secure`, has `Path=/` and
 * no `Domain` (no subdomain can plant or read one), `HttpOnly` so the page's JavaScript never
 * sees it, `SameSite=Strict` so no other site's page makes the browser send it. It holds the
 * session's opaque id and nothing else; the tokens stay in the session store.
 */
export const SESSION_COOKIE = '__Host-concierge-session';

/**
 * The sign-in in progress (state, nonce, PKCE verifier, returnTo), sealed, between
 * `/auth/login` and `/auth/callback`. `SameSite=Lax`: the callback is a top-level navigation
 * back from the provider's site, which a Strict cookie would not be sent on.
 */
export const LOGIN_COOKIE = '__Host-concierge-login';

const ATTRIBUTES = 'Path=/; Secure; HttpOnly';

export const sessionCookie = (id: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${id}; ${ATTRIBUTES}; SameSite=Strict; Max-Age=${Math.max(0, Math.round(maxAgeSeconds))}`;
export const clearedSessionCookie = () => `${SESSION_COOKIE}=; ${ATTRIBUTES}; SameSite=Strict; Max-Age=0`;
export const loginCookie = (sealed: string, maxAgeSeconds: number) => `${LOGIN_COOKIE}=${sealed}; ${ATTRIBUTES}; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
export const clearedLoginCookie = () => `${LOGIN_COOKIE}=; ${ATTRIBUTES}; SameSite=Lax; Max-Age=0`;

/** One cookie's value from the `Cookie` header; the first one wins, as browsers send the most specific first. */
export function readCookie(headers: RequestHeaders, name: string): string | undefined {
  const header = headers.get('cookie');
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}
