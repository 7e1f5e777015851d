import { LRUCache } from 'lru-cache';
import { INVALIDATION_MEMORY_MS, type CachedAnswer, type ResponseCacheBackend } from './backend.ts';

/**
 * In process: one LRU bounded in bytes (the body's UTF-16 length, about what V8 holds, and a
 * quarter more for the compressed copies a hit keeps: brotli and gzip come to 15-25% each), with
 * each entry's TTL, and when each viewer last invalidated (kept longer than any entry lives).
 */
export function memoryResponseCache(maxBytes: number): ResponseCacheBackend {
  const entries = new LRUCache<string, CachedAnswer>({
    maxSize: maxBytes,
    sizeCalculation: (answer, key) => Math.ceil(2.5 * answer.body.length) + 2 * key.length + 200,
  });
  const invalidated = new LRUCache<string, number>({ max: 1_000_000, ttl: INVALIDATION_MEMORY_MS });
  return {
    async get(key, viewerId) {
      const answer = entries.get(key);
      if (!answer || viewerId === undefined) return answer;
      if (answer.storedAt > (invalidated.get(viewerId) ?? 0)) return answer;
      entries.delete(key);
      return undefined;
    },
    async set(key, answer, ttlSeconds) {
      entries.set(key, answer, { ttl: ttlSeconds * 1000 });
    },
    async invalidate(viewerId, at) {
      invalidated.set(viewerId, Math.max(at, invalidated.get(viewerId) ?? 0));
    },
  };
}
