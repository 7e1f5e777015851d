import type { Logger } from 'pino';
import type { SessionStore, SessionTokens } from '../stores/sessions/session-store.ts';
import type { OidcClient } from './oidc.ts';

export interface RevokeEndedOptions {
  /** `web`, `tv`: the client whose ended sessions this BFF revokes (its own: only it can open them). */
  client: string;
  sessions: SessionStore;
  oidc: OidcClient;
  logger: Logger;
  /**
   * How often the store is read: a couple of Redis commands per replica each time.
   * @default 2000
   */
  everyMs?: number;
}

/** Taken per read, of each kind; more are drained over the next reads. */
const BATCH = 50;
/** Tokens whose revocation failed (identity away), kept for the next read; beyond this many, the oldest are let go to expire. */
const MAX_RETRIES_HELD = 1_000;

/**
 * Revokes at the provider (RFC 7009) the refresh tokens of this BFF's sessions that ended
 * without a sign-out to revoke them:
 *  - ended by another BFF (web's account page signing a TV out, `SessionStore.endElsewhere`),
 *    which cannot open them;
 *  - ended by their idle timeout or their absolute lifetime (`SessionStore.takeExpired`): no one
 *    was there to sign out, and on Redis the key's TTL would have dropped the sealed token unseen.
 * Only this BFF can: the tokens are sealed under its key, and the provider takes a revocation only
 * from the client the token was issued to (RFC 7009 §2.1). A timer, not a message: the entries are
 * in the store every replica shares, one replica takes each once, and nothing is lost while every
 * replica is down (for a day, on Redis: the sealed tokens' grace past the deadline).
 */
export function revokeEnded({ client, sessions, oidc, logger, everyMs = 2_000 }: RevokeEndedOptions): { stop(): Promise<void> } {
  let retries: SessionTokens[] = [];
  let running: Promise<void> | undefined;

  async function take(kind: string, read: () => Promise<SessionTokens[]>): Promise<SessionTokens[]> {
    try {
      return await read();
    } catch (error) {
      logger.warn({ err: error }, `${kind}: the session store did not answer; the next read retries`);
      return [];
    }
  }

  async function drain() {
    const elsewhere = await take('sign-out elsewhere', () => sessions.takeEndedElsewhere(client, BATCH));
    const expired = await take('expired sessions', () => sessions.takeExpired(client, BATCH));
    const due = [...retries, ...elsewhere, ...expired];
    retries = [];
    for (const tokens of due) {
      if (!tokens.refresh) continue;
      try {
        await oidc.revoke(tokens.refresh);
      } catch (error) {
        logger.warn({ err: error }, 'an ended session: its refresh token could not be revoked; the next read retries');
        retries.push(tokens);
      }
    }
    retries = retries.slice(-MAX_RETRIES_HELD);
  }

  const tick = () => (running ??= drain().finally(() => (running = undefined)));
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    /** Stops reading, after one last read: a replica shutting down leaves nothing it could have revoked. */
    async stop() {
      clearInterval(timer);
      await running;
      await tick();
    },
  };
}
