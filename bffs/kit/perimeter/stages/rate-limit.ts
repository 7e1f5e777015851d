import { concierge } from '../../errors.ts';
import type { CostLimiter } from '../../stores/rate-limiter.ts';
import type { Passage, Stage } from '../pipeline.ts';

export type BudgetName = 'viewer' | 'ip' | 'sign-in';

const WHOSE: Record<BudgetName, string> = { viewer: "viewer's", ip: "client address's", 'sign-in': "client address's sign-in" };

/**
 * Spends the operation's cost (not 1 per request: an alias bomb within the limits still weighs
 * what it asks for) from one budget: the client address's, before the token is verified, or the
 * viewer's, after. Over budget is 429 RATE_LIMITED with Retry-After. Every answer carries the
 * IETF httpapi draft's `RateLimit-Policy` and `RateLimit` fields for the budgets it spent from.
 */
export function rateLimitStage(name: BudgetName, limiter: CostLimiter, keyOf: (passage: Passage) => string, costOf: (passage: Passage) => number = (passage) => passage.operation!.cost): Stage {
  const { points, windowSeconds } = limiter.budget;
  const policy = `"${name}";q=${points};w=${windowSeconds}`;
  return async (passage) => {
    const cost = costOf(passage);
    const { allowed, remaining, resetSeconds } = await limiter.spend(keyOf(passage), cost);
    const headers = passage.headers;
    headers['ratelimit-policy'] = headers['ratelimit-policy'] ? `${headers['ratelimit-policy']}, ${policy}` : policy;
    const state = `"${name}";r=${remaining};t=${resetSeconds}`;
    headers.ratelimit = headers.ratelimit ? `${headers.ratelimit}, ${state}` : state;
    if (allowed) return;
    throw concierge(
      'RATE_LIMITED',
      `The ${WHOSE[name]} budget of ${points} ${name === 'sign-in' ? 'requests' : 'cost points'} per ${windowSeconds} s is spent${name === 'sign-in' ? '' : ` (this operation costs ${cost})`}; retry in ${resetSeconds} s.`,
      { budget: name, cost },
      { headers: { 'retry-after': String(resetSeconds), ...headers } },
    );
  };
}
