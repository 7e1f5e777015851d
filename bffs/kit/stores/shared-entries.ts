import { withinDeadline, type RedisClient } from './redis.ts';

/** One entry to keep: its text and how long it may live. */
export interface SharedEntry {
  key: string;
  text: string;
  ttlMs: number;
}

/**
 * Text entries every replica sees, under one key prefix, each with its own TTL. A cache's second
 * level: every operation is best-effort, and a Redis that is down or slow (stores/redis.ts fails
 * commands at once, `withinDeadline` after 100 ms) reads as a miss and drops writes, so a request never waits
 * on it or fails because of it.
 */
export interface SharedEntries {
  /** In the order asked; undefined for a key that is absent (or when Redis did not answer). */
  get(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(entries: readonly SharedEntry[]): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Redis under `prefix`: MGET to read, SET … PX per entry (every key expires), DEL; never KEYS or SCAN. */
export function redisEntries(redis: RedisClient, prefix: string): SharedEntries {
  const keyOf = (key: string) => `${prefix}${key}`;
  return {
    async get(keys) {
      try {
        const texts = await withinDeadline(redis.mGet(keys.map(keyOf)));
        return texts.map((text) => (typeof text === 'string' ? text : undefined));
      } catch {
        return keys.map(() => undefined);
      }
    },
    async set(entries) {
      if (entries.length === 0) return;
      const batch = redis.multi();
      for (const { key, text, ttlMs } of entries) batch.set(keyOf(key), text, { expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } });
      await withinDeadline(batch.execAsPipeline()).catch(() => undefined);
    },
    async delete(keys) {
      if (keys.length === 0) return;
      await withinDeadline(redis.del(keys.map(keyOf))).catch(() => undefined);
    },
  };
}
