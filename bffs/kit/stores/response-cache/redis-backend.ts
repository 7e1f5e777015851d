import { withinDeadline, type RedisClient } from '../redis.ts';
import { INVALIDATION_MEMORY_MS, type CachedAnswer, type ResponseCacheBackend } from './backend.ts';

/**
 * In Redis, shared by every replica: each answer is its own key (`<prefix>:<key>`), set with its
 * maxAge as TTL (`SET … PX`), so every key expires on its own and nothing grows. A viewer's
 * invalidation is one key (`concierge:response:invalidated:<viewer>`, the time its last mutation
 * ended, kept 10 minutes), shared by every client and deploy: a title added on mobile refreshes
 * the viewer's TV and web answers too. A lookup reads the answer and the viewer's invalidation in
 * one MGET. Each call is bounded (`withinDeadline`): a stalled Redis is a failing store, which
 * the response cache treats as a miss.
 */
export function redisResponseCache(redis: RedisClient, prefix: string): ResponseCacheBackend {
  const invalidationOf = (viewerId: string) => `concierge:response:invalidated:${viewerId}`;
  return {
    async get(key, viewerId) {
      if (viewerId === undefined) {
        const stored = await withinDeadline(redis.get(`${prefix}:${key}`));
        return stored ? (JSON.parse(stored) as CachedAnswer) : undefined;
      }
      const [stored, invalidatedAt] = await withinDeadline(redis.mGet([`${prefix}:${key}`, invalidationOf(viewerId)]));
      if (!stored) return undefined;
      const answer = JSON.parse(stored) as CachedAnswer;
      return answer.storedAt > Number(invalidatedAt ?? 0) ? answer : undefined;
    },
    async set(key, answer, ttlSeconds) {
      const { encoded: _encoded, ...stored } = answer;
      await withinDeadline(redis.set(`${prefix}:${key}`, JSON.stringify(stored), { PX: ttlSeconds * 1000 }));
    },
    async invalidate(viewerId, at) {
      await withinDeadline(redis.set(invalidationOf(viewerId), String(at), { PX: INVALIDATION_MEMORY_MS }));
    },
  };
}
