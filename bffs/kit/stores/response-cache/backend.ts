import type { CachePolicy } from '../../caching/cache-hints.ts';

/** One stored answer: the serialised body, its tag and policy, and when it was computed. */
export interface CachedAnswer {
  body: string;
  tag: string;
  policy: CachePolicy;
  /** Epoch milliseconds: the `Age` a hit reports, and when it expires (`storedAt + maxAge`). */
  storedAt: number;
  /**
   * The body compressed, per encoding, as delivered the first time (deliver.ts): in process a
   * hit is not compressed again. Never written to Redis, where each hit reads a fresh copy.
   */
  encoded?: Partial<Record<'br' | 'gzip', Buffer>>;
}

/**
 * Where answers are kept: in process (memory-backend.ts) or in Redis (redis-backend.ts), shared
 * by every replica. Entries live in partitions: one per viewer (`<viewer>`) and one for answers
 * that are the same for every viewer (`public`). A viewer's mutation drops that viewer's
 * partition in one operation, wherever it ran: no key scans, no per-type sets left behind.
 */
export interface ResponseCacheBackend {
  get(partition: string, key: string, now: number): Promise<CachedAnswer | undefined>;
  /** Kept for `ttlSeconds` (the policy's maxAge), never longer. */
  set(partition: string, key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void>;
  /** Forgets every entry of the partition. */
  drop(partition: string): Promise<void>;
}
