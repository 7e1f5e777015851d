import type { CachePolicy } from '../../core/cache-policy.ts';

/** One stored answer: the serialised body, its tag and policy, and when it began to be computed. */
export interface CachedAnswer {
  body: string;
  tag: string;
  policy: CachePolicy;
  /**
   * Epoch milliseconds at which the request began (before anything was read downstream): the
   * `Age` a hit reports, and what an invalidation is compared with. An answer begun before the
   * viewer's last mutation ended may hold what the mutation changed, so it is never served.
   */
  storedAt: number;
  /**
   * The body compressed, per encoding, as delivered the first time (deliver.ts): in process a
   * hit is not compressed again. Never written to Redis, where each hit reads a fresh copy.
   */
  encoded?: Partial<Record<'br' | 'gzip', Buffer>>;
  /** Headers found while it was computed (a Content-Language), sent again with every hit. */
  headers?: Record<string, string>;
}

/**
 * Where answers are kept: in process (memory-backend.ts) or in Redis (redis-backend.ts), shared
 * by every replica. A private answer names its viewer; the viewer's mutations record when they
 * ended (`invalidate`), and an answer begun before that is a miss, wherever and whenever it was
 * stored: a slow read that finishes after the mutation cannot put the old answer back. No key is
 * scanned and nothing is deleted by pattern.
 */
export interface ResponseCacheBackend {
  get(key: string, viewerId: string | undefined): Promise<CachedAnswer | undefined>;
  /** Kept for `ttlSeconds` (the policy's maxAge), never longer. */
  set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void>;
  /** The viewer's answers begun before `at` are no longer served. */
  invalidate(viewerId: string, at: number): Promise<void>;
}

/** How long an invalidation is remembered: longer than any answer is kept (the largest maxAge). */
export const INVALIDATION_MEMORY_MS = 10 * 60 * 1000;
