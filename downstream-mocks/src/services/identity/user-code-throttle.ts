import type { KoaContextWithOIDC } from 'oidc-provider';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import * as pages from './pages.ts';

/** How many wrong user codes an address may enter per window. */
export interface UserCodeBudget {
  attempts: number;
  windowSeconds: number;
}

/** The errors oidc-provider re-renders the code page with for a code that was entered and named no live device. */
const WRONG_CODE_ERRORS: ReadonlySet<string> = new Set(['NotFoundError', 'ExpiredError', 'AlreadyUsedError']);

/**
 * Throttles guessing at the device flow's code page (RFC 8628 §5.1: a user code is short, so the
 * verification endpoint must rate-limit it). oidc-provider has no hook for this; it re-renders
 * its code page (`userCodeInputSource`) with the error, which is where each wrong code spends one
 * of the address's attempts. Once they are spent, `POST /device` from that address is 429 with a
 * page that says how long to wait, before the code is even looked up: the right code is refused
 * too, so a guesser learns nothing. rate-limiter-flexible's memory limiter: the mocks are one process.
 */
export function userCodeThrottle({ attempts, windowSeconds }: UserCodeBudget, verificationPath: string) {
  const limiter = new RateLimiterMemory({ points: attempts, duration: windowSeconds });

  return {
    async guard(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
      if (ctx.method !== 'POST' || ctx.path !== verificationPath) return next();
      const spent = await limiter.get(ctx.ip);
      if (spent === null || spent.remainingPoints > 0) return next();
      const waitSeconds = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
      ctx.status = 429;
      ctx.set('retry-after', String(waitSeconds));
      ctx.set('cache-control', 'no-store');
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = pages.deviceCodeThrottledPage(waitSeconds);
    },

    /** Spends one attempt of the address when `error` says the code entered was wrong. */
    async noteCodeError(ctx: KoaContextWithOIDC, error: Error | undefined) {
      if (!error || !WRONG_CODE_ERRORS.has(error.name)) return;
      await limiter.consume(ctx.ip).catch(() => undefined); // rejected once spent: the guard answers the next one
    },
  };
}
