import type { RedisClient } from '../redis.ts';
import type { CachedAnswer, ResponseCacheBackend } from './backend.ts';

/**
 * In Redis, shared by every replica: one hash per partition (`<prefix>:<partition>`), a field per
 * answer holding the answer and its expiry. The hash's own TTL is pushed out to its longest-lived
 * field (`EXPIRE … GT`), so every key expires; a field past its expiry is a miss and is deleted
 * when met. Dropping a partition is one `DEL`, seen at once by every replica.
 *
 * (Redis 7.4's per-field HEXPIRE would make the expiry field unnecessary; 7.0 is what Debian ships.)
 */
export function redisResponseCache(redis: RedisClient, prefix: string): ResponseCacheBackend {
  const hashOf = (partition: string) => `${prefix}:${partition}`;
  return {
    async get(partition, key, now) {
      const stored = await redis.hGet(hashOf(partition), key);
      if (!stored) return undefined;
      const { expiresAt, ...answer } = JSON.parse(stored) as CachedAnswer & { expiresAt: number };
      if (expiresAt > now) return answer;
      await redis.hDel(hashOf(partition), key);
      return undefined;
    },
    async set(partition, key, answer, ttlSeconds) {
      const hash = hashOf(partition);
      const { encoded: _encoded, ...stored } = answer;
      await redis
        .multi()
        .hSet(hash, key, JSON.stringify({ ...stored, expiresAt: answer.storedAt + ttlSeconds * 1000 }))
        .expire(hash, ttlSeconds, 'NX')
        .expire(hash, ttlSeconds, 'GT')
        .exec();
    },
    async drop(partition) {
      await redis.del(hashOf(partition));
    },
  };
}
