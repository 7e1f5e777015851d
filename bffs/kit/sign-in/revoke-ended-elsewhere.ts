import type { Logger } from 'pino';
import type { SessionStore, SessionTokens } from '../stores/sessions/session-store.ts';
import type { OidcClient } from './oidc.ts';

export interface RevokeEndedElsewhereOptions {
  /** `tv`: the client whose sessions another BFF ends. */
  client: string;
  sessions: SessionStore;
  oidc: OidcClient;
  logger: Logger;
  /**
   * How often the queue is read: one Redis command per replica each time.
   * @default 2000
   */
  everyMs?: number;
}

/** Taken per read; a queue longer than this is drained over the next reads. */
const BATCH = 50;
/** Tokens whose revocation failed (identity away), kept for the next read; beyond this many, the oldest are let go to expire. */
const MAX_RETRIES_HELD = 1_000;

/**
 * Revokes at the provider the refresh tokens of this BFF's sessions that another BFF ended (web's
 * account page signing a TV out, `SessionStore.endElsewhere`). Only this BFF can: the tokens are
 * sealed under its key, and the provider takes a revocation only from the client the token was
 * issued to (RFC 7009 §2.1). A timer, not a message: the queue is in the store both BFFs share,
 * any replica takes each entry once, and nothing is lost while every replica is down.
 */
export function revokeEndedElsewhere({ client, sessions, oidc, logger, everyMs = 2_000 }: RevokeEndedElsewhereOptions): { stop(): Promise<void> } {
  let retries: SessionTokens[] = [];
  let running: Promise<void> | undefined;

  async function drain() {
    let taken: SessionTokens[];
    try {
      taken = await sessions.takeEndedElsewhere(client, BATCH);
    } catch (error) {
      logger.warn({ err: error }, 'sign-out elsewhere: the session store did not answer; the next read retries');
      taken = [];
    }
    const due = [...retries, ...taken];
    retries = [];
    for (const tokens of due) {
      if (!tokens.refresh) continue;
      try {
        await oidc.revoke(tokens.refresh);
      } catch (error) {
        logger.warn({ err: error }, 'sign-out elsewhere: the refresh token could not be revoked; the next read retries');
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
