import { concierge } from '../../errors.ts';
import type { CostLimiter } from '../../stores/rate-limiter.ts';
import type { Passage, Stage } from '../pipeline.ts';

/**
 * `viewer` and `ip` spend the operation's cost; any other name is a wing's route budget
 * (route-gate.ts `createAddressGate`: sign-in's), kept per client address, one point a request.
 */
export type BudgetName = 'viewer' | 'ip' | (string & {});

const OPERATION_BUDGETS = new Map<BudgetName, string>([
  ['viewer', "viewer's"],
  ['ip', "client address's"],
]);

/**
 * Spends the operation's cost (not 1 per request: an alias bomb within the limits still weighs
 * what it asks for) from one budget: the client address's, before the token is verified, or the
 * viewer's, after. Over budget is 429 RATE_LIMITED with Retry-After. Every answer carries the
 * IETF httpapi draft's `RateLimit-Policy` and `RateLimit` fields for the budgets it spent from.
 */
export function rateLimitStage(name: BudgetName, limiter: CostLimiter, keyOf: (passage: Passage) => string, costOf: (passage: Passage) => number = (passage) => passage.operation!.cost): Stage {
  const { points, windowSeconds } = limiter.budget;
  const policy = `"${name}";q=${points};w=${windowSeconds}`;
  const perRequest = !OPERATION_BUDGETS.has(name);
  const whose = OPERATION_BUDGETS.get(name) ?? `client address's ${name}`;
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
      `The ${whose} budget of ${points} ${perRequest ? 'requests' : 'cost points'} per ${windowSeconds} s is spent${perRequest ? '' : ` (this operation costs ${cost})`}; retry in ${resetSeconds} s.`,
      { budget: name, cost },
      { headers: { 'retry-after': String(resetSeconds), ...headers } },
    );
  };
}
