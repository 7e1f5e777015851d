import { LRUCache } from 'lru-cache';
import type { CachedAnswer, ResponseCacheBackend } from './backend.ts';

/**
 * In process: one LRU bounded in bytes (the body's UTF-16 length, about what V8 holds, and a
 * quarter more for the compressed copies a hit keeps: brotli and gzip come to 15-25% each), with
 * each entry's TTL. Each partition knows its keys, so dropping a viewer's partition deletes
 * exactly them; an entry evicted by the LRU leaves its partition's index as it goes.
 */
export function memoryResponseCache(maxBytes: number): ResponseCacheBackend {
  const partitions = new Map<string, Set<string>>();
  const entries = new LRUCache<string, CachedAnswer & { partition: string }>({
    maxSize: maxBytes,
    sizeCalculation: (answer, key) => Math.ceil(2.5 * answer.body.length) + 2 * key.length + 200,
    ttlAutopurge: false,
    dispose: (answer, key) => {
      const keys = partitions.get(answer.partition);
      keys?.delete(key);
      if (keys?.size === 0) partitions.delete(answer.partition);
    },
  });
  const full = (partition: string, key: string) => `${partition}\n${key}`;
  return {
    async get(partition, key) {
      return entries.get(full(partition, key));
    },
    async set(partition, key, answer, ttlSeconds) {
      const id = full(partition, key);
      entries.set(id, { ...answer, partition }, { ttl: ttlSeconds * 1000 });
      if (!entries.has(id)) return; // larger than the whole cache: not kept
      let keys = partitions.get(partition);
      if (!keys) partitions.set(partition, (keys = new Set()));
      keys.add(id);
    },
    async drop(partition) {
      for (const id of [...(partitions.get(partition) ?? [])]) entries.delete(id);
      partitions.delete(partition);
    },
  };
}
