import { GraphQLError } from 'graphql';
import { concierge } from '../../errors.ts';
import { clearedSessionCookie, readCookie, SESSION_COOKIE } from '../cookies.ts';
import type { SessionRefresher } from '../refresh.ts';
import type { SessionStore } from '../../stores/sessions/session-store.ts';
import type { Stage } from '../../perimeter/pipeline.ts';
import type { VerifyViewer } from '../../perimeter/viewer.ts';

export interface SessionAuthenticationOptions {
  /** `web`: only browser sessions this BFF made are taken (a TV's session id planted as the cookie is not). */
  client: string;
  sessions: SessionStore;
  refresher: SessionRefresher;
  verifyViewer: VerifyViewer;
  /**
   * Whether a bearer token is still taken beside the cookie: in development (tests, GraphiQL's
   * token box), never under NODE_ENV=production, where a token in the browser is what the
   * session exists to remove.
   */
  bearer: boolean;
}

/**
 * The viewer of a cookie client (web): the session the cookie names, its access token refreshed
 * first when about to expire (../refresh.ts), so downstream sees only a bearer access token. The
 * CSRF stage ran before it. A cookie that names no live session, or whose refresh failed, is
 * 401 SESSION_EXPIRED and cleared. Without a cookie, a bearer token, where allowed.
 */
export function sessionAuthenticationStage({ client, sessions, refresher, verifyViewer, bearer }: SessionAuthenticationOptions): Stage {
  return async (passage) => {
    const { headers } = passage.request;
    const id = readCookie(headers, SESSION_COOKIE);
    if (id === undefined) {
      if (!bearer) throw concierge('SESSION_REQUIRED', 'Sign in at /auth/login: this BFF takes the session cookie, not a bearer token.');
      // Neither a cookie nor a token: say how this client signs in, not only how bearer clients do.
      if (headers.get('authorization') === null) throw concierge('UNAUTHENTICATED', 'Sign in at /auth/login (the session cookie), or in development send a bearer token.', {}, { headers: { 'www-authenticate': 'Bearer realm="concierge"' } });
      passage.viewer = await verifyViewer(headers.get('authorization'));
      return;
    }
    // A store that cannot answer throws its own 503 SESSION_STORE_UNAVAILABLE: the session may be fine.
    const found = await sessions.get(id);
    // Web and TV share one store on Redis: the kind is checked before any refresh, so another client's session is neither taken nor refreshed here.
    if (found && (found.kind !== 'browser' || found.client !== client)) throw expired();
    const session = await refresher.current(found);
    if (!session) throw expired();
    passage.viewer = { id: session.sub, token: session.tokens.access };
  };
}

export function expired(): GraphQLError {
  return concierge('SESSION_EXPIRED', 'The session has ended: sign in again at /auth/login.', {}, { headers: { 'set-cookie': clearedSessionCookie() } });
}
