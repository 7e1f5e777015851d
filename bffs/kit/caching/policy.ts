import type { CachePolicy } from '../core/cache-policy.ts';
import type { CompressionPolicy } from './compression.ts';

/**
 * One client's caching and delivery (bffs/<client>/policy.ts); the README's Caching table is
 * these objects, row by row.
 */
export interface CachingPolicy {
  /**
   * Where the root fields start before the SDL's `@cacheControl` hints refine them: mobile's home
   * keeps 60 s, TV's 120 s, web's revalidates (0: `no-cache` with an ETag).
   */
  defaults: CachePolicy;
  /**
   * What a cacheable answer depends on besides the URL (`Vary`): the credential, the app's
   * version, the media type, TV's device. Accept-Encoding is added when the body may be compressed.
   */
  vary: readonly string[];
  /** Request headers that change the answer beyond the viewer and the version: part of the response cache's key. */
  keyHeaders: readonly string[];
  compression: CompressionPolicy;
  /** The in-process response cache's bound, in bytes (with REDIS_URL the answers live in Redis instead). */
  responseCacheBytes: number;
}

/** Every bearer client's answer depends on these. */
export const BEARER_VARY = ['Authorization', 'X-Client-Version', 'Apollographql-Client-Version', 'Accept'] as const;
