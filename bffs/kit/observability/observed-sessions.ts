import type { GraphQLError } from 'graphql';
import type { SessionStore } from '../stores/sessions/session-store.ts';

/** What the sessions metric counts (metrics.ts `concierge_sessions_total`). */
export type SessionEvent = 'started' | 'refreshed' | 'refresh_failed' | 'ended' | 'store_unavailable';

/**
 * The session store, counted: sessions started and ended, refreshes that renewed the tokens or
 * ended the session, and calls the store could not answer (Redis away: 503
 * SESSION_STORE_UNAVAILABLE). A decorator, so neither the stores nor the sign-in routes know of
 * metrics, and web's cookie sessions and TV's device sessions are counted by the same code.
 */
export function observedSessions(store: SessionStore, note: (event: SessionEvent, count?: number) => void): SessionStore {
  const watched = <T>(pending: Promise<T>): Promise<T> =>
    pending.catch((error: unknown) => {
      if ((error as GraphQLError)?.extensions?.code === 'SESSION_STORE_UNAVAILABLE') note('store_unavailable');
      throw error;
    });
  return {
    ...store,
    create: (input) => watched(store.create(input)).then((session) => (note('started'), session)),
    get: (id) => watched(store.get(id)),
    delete: (id) => watched(store.delete(id)).then((ended) => (ended && note('ended'), ended)),
    endElsewhere: (id) => watched(store.endElsewhere(id)).then((ended) => (ended && note('ended'), ended)),
    takeEndedElsewhere: (client, max) => watched(store.takeEndedElsewhere(client, max)),
    // Expired sessions are not counted as `ended`: a session that ends by its deadline was never counted so.
    takeExpired: (client, max) => watched(store.takeExpired(client, max)),
    deleteWhere: (filter) => watched(store.deleteWhere(filter)).then((count) => (count > 0 && note('ended', count), count)),
    refreshOnce: (id, refresh, seen) =>
      watched(
        store.refreshOnce(
          id,
          async (current) => {
            const refreshed = await refresh(current);
            note(refreshed ? 'refreshed' : 'refresh_failed');
            return refreshed;
          },
          seen,
        ),
      ),
    list: (filter) => watched(store.list(filter)),
    summaries: (filter) => watched(store.summaries(filter)),
    replaceTokens: (...args) => watched(store.replaceTokens(...args)),
  };
}
