import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Budget } from '../core/perimeter-policy.ts';
import { COMMAND_TIMEOUT_MS, type RedisClient } from './redis.ts';

/** What one spend left: the points remaining and when the window resets. */
export interface Spent {
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
}

export interface CostLimiter {
  readonly budget: Budget;
  spend(key: string, points: number): Promise<Spent>;
}

/**
 * A budget of points per window per key, with rate-limiter-flexible: in memory by default, in
 * Redis when one is given (atomic across replicas: one Lua INCRBY per spend). While Redis is down
 * or stalled the limiter spends from its insurance limiter, an in-process one of the same budget, so the BFF
 * keeps serving with per-replica limits until Redis returns (stores/redis.ts logs the outage).
 */
export function createCostLimiter(budget: Budget, keyPrefix: string, redis?: RedisClient): CostLimiter {
  const options = { points: budget.points, duration: budget.windowSeconds, keyPrefix };
  // The insurance limiter takes over on an error (Redis down: rejected at once) and on a spend
  // that has not answered within the command timeout (Redis stalled: node-redis would wait for ever).
  const limiter: RateLimiterAbstract = redis
    ? new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true }),
        timeoutMs: COMMAND_TIMEOUT_MS,
        insuranceLimiter: new RateLimiterMemory(options),
      })
    : new RateLimiterMemory(options);
  return {
    budget,
    async spend(key, points) {
      try {
        return spent(await limiter.consume(key, points), true);
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return spent(outcome, false);
        throw outcome;
      }
    },
  };
}

const spent = (res: RateLimiterRes, allowed: boolean): Spent => ({ allowed, remaining: res.remainingPoints, resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });
