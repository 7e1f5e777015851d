export type CacheScope = 'PUBLIC' | 'PRIVATE';

/**
 * How long an answer may be reused, and by whom: what `Cache-Control` and the response cache say.
 * The SDL's hints make it (caching/cache-hints.ts); the operations carry it, the stores keep it.
 */
export interface CachePolicy {
  /** Seconds; 0 means "revalidate every time" (`no-cache` with an ETag). */
  maxAge: number;
  /** PRIVATE: one viewer's. PUBLIC: the same for every viewer, so the response cache may share it. */
  scope: CacheScope;
}
