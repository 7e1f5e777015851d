import { readCookie, SESSION_COOKIE, sessionCookie } from '../sign-in/cookies.ts';
import { REFRESH_MARGIN_MS } from '../sign-in/refresh.ts';
import type { SessionStore } from '../stores/sessions/session-store.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { DevTokenOutcome } from './page.ts';

/** `?as=none`: open web's GraphiQL signed out, to sign in on the provider's own page. */
export const SIGNED_OUT = 'none';

export interface GraphiQLSessionOptions {
  /** `web` */
  client: string;
  sessions: SessionStore;
  identityUrl: string;
  /** The page request's headers (its session cookie). */
  headers: RequestHeaders;
  /** `?as=`: whom to sign in; absent for the default viewer, `none` for nobody. */
  as: string | null;
  defaultViewer: string;
  /** identity's development `POST /dev/token`, for the BFF's audience. */
  mint: (sub: string) => Promise<DevTokenOutcome>;
}

/**
 * Web's development GraphiQL opens signed in, as the web app is: with a session cookie, never a
 * token in the page. The browser's own session is kept when it is live and is the viewer asked
 * for (a sign-in through the provider's page included); otherwise the page makes a development
 * session from a token identity's `POST /dev/token` minted, exactly the session a sign-in makes
 * but without a refresh token, so it ends with that token (an hour) and a reload makes the next.
 * Development only: create-bff installs GraphiQL only outside production.
 */
export async function graphiqlSession({ client, sessions, identityUrl, headers, as, defaultViewer, mint }: GraphiQLSessionOptions): Promise<{ outcome: DevTokenOutcome; setCookie?: string }> {
  if (as === SIGNED_OUT) return { outcome: { kind: 'session', identityUrl } };
  const id = readCookie(headers, SESSION_COOKIE);
  const current = id ? await sessions.get(id) : undefined;
  const live = current && current.kind === 'browser' && current.client === client ? current : undefined;
  if (live && (!as || as === live.sub)) return { outcome: { kind: 'session', identityUrl } };

  const sub = as || defaultViewer;
  const minted = await mint(sub);
  if (minted.kind !== 'minted') return { outcome: minted };
  // As a sign-in does: whatever session the browser held ends, and the new one gets a new id.
  if (id) await sessions.delete(id);
  const expiresAt = minted.expiresAt.getTime();
  // With nothing to refresh with, the session ends when its token is due for a refresh (refresh.ts): that is its end.
  const session = await sessions.create({ kind: 'browser', client, sub, name: sub, tokens: { access: minted.token }, accessExpiresAt: expiresAt, refreshExpiresAt: expiresAt - REFRESH_MARGIN_MS });
  return {
    outcome: { kind: 'session', identityUrl, development: { sub, expiresAt: new Date(session.expiresAt) } },
    setCookie: sessionCookie(session.id, (session.expiresAt - Date.now()) / 1000),
  };
}
