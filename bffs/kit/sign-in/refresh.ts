import * as oauth from 'openid-client';
import { GraphQLError } from 'graphql';
import { concierge } from '../errors.ts';
import type { Session, SessionStore } from '../stores/sessions/session-store.ts';
import type { OidcClient } from './oidc.ts';

/** Refreshed this long before the access token expires, so no request forwards one that dies on the way. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * Keeps a session's access token fresh. A token about to expire is refreshed once per session,
 * however many requests arrive at once, on every replica (the store's `refreshOnce`: a lock in
 * Redis, a shared promise in process). A refresh the provider refuses (invalid_grant: revoked,
 * reused, expired) ends the session; a provider that cannot be reached ends nothing: the current
 * token serves while it is still valid, then the request is 503 IDENTITY_UNAVAILABLE.
 */
export function createSessionRefresher({ sessions, oidc, now = Date.now }: { sessions: SessionStore; oidc: OidcClient; now?: () => number }) {
  async function refresh(current: Session) {
    if (!current.tokens.refresh) return undefined; // nothing to refresh with: the session ends with its token
    try {
      const set = await oidc.refresh(current.tokens.refresh);
      return { tokens: { access: set.access, refresh: set.refresh, idToken: set.idToken }, accessExpiresAt: set.accessExpiresAt };
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && (error.error === 'invalid_grant' || error.error === 'invalid_client')) return undefined;
      throw error;
    }
  }

  return {
    /** The session with a token fit to forward, or undefined when it has ended. */
    async current(session: Session | undefined): Promise<Session | undefined> {
      if (!session || session.accessExpiresAt - now() > REFRESH_MARGIN_MS) return session;
      try {
        return await sessions.refreshOnce(session.id, refresh, session);
      } catch (error) {
        if (session.accessExpiresAt > now()) return session;
        if (error instanceof GraphQLError) throw error; // the store's own 503
        throw concierge('IDENTITY_UNAVAILABLE', 'The session could not be refreshed: identity is unavailable; retry later.', {}, { headers: { 'retry-after': '2' } });
      }
    },
  };
}

export type SessionRefresher = ReturnType<typeof createSessionRefresher>;
