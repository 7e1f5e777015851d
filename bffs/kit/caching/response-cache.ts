import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestHeaders } from '../core/headers.ts';
import { variationKey } from '../core/variation.ts';
import type { CachedAnswer, ResponseCacheBackend } from '../stores/response-cache/backend.ts';

export interface ResponseCacheOptions {
  backend: ResponseCacheBackend;
  /** Request headers the answer depends on beyond the viewer (TV's device, the locale): part of the key. */
  keyHeaders: readonly string[];
  clock: () => number;
  logger: Logger;
}

/** Where one request's answer is looked up and stored: its key, and its viewer for a private one. */
export interface CacheSlot {
  key: string;
  viewerId: string | undefined;
}

/**
 * The BFF's response cache, after the perimeter: the viewer is verified, the document resolved
 * from its id, the version known. It is the kit's own, not the envelop/yoga response-cache
 * plugin, because that plugin runs on yoga's path only (a hole in the fast lane) and has the
 * anchors' failure modes: an infinite default TTL and cached uncacheable results (yoga#3033), a
 * whole result cached when one entity is (#3109), no Cache-Control (#4272), 304 answered before
 * authentication, and Redis invalidation sets without expiry found by key scans (envelop#2087,
 * #2004).
 *
 * - The key holds the resolved document (its hash, with the operation name), the variables as
 *   execution coerces them (defaults filled in, in declaration order: two spellings of one input
 *   are one entry, and an undeclared variable is refused before this), the
 *   app's version, the request headers that change the answer and the wings' variation (the
 *   locale, the flag variants: core/variation.ts), under the viewer for a
 *   PRIVATE answer, or under `public` for one the SDL marks the same for every viewer. The
 *   backend's prefix holds the client and the deploy, so a deploy starts clean.
 * - Only successful queries with a maxAge above 0 are stored, for exactly that maxAge; errors,
 *   partial answers and stale-marked ones never.
 * - Every mutation a viewer sends invalidates that viewer's answers begun before it ended
 *   (`invalidate`), whatever its result: one that timed out may still have changed the list.
 * - A store that fails (Redis down) is a miss, never an error for the request.
 */
export function createResponseCache({ backend, keyHeaders, clock, logger }: ResponseCacheOptions) {
  let failing = false;
  const failed = (error: unknown) => {
    if (!failing) logger.warn({ err: error }, 'the response cache store failed: answers are computed, not cached, until it is back');
    failing = true;
  };
  const recovered = () => {
    if (failing) logger.info('the response cache store is back');
    failing = false;
  };

  return {
    /** Undefined when the variables do not coerce: execution answers that error, never cached. */
    slotOf(admitted: Admitted, headers: RequestHeaders): CacheSlot | undefined {
      const { operation, viewer, variables, clientVersion } = admitted;
      const coerced = operation.coerceVariables(variables ?? {});
      if (coerced === undefined) return undefined;
      const viewerId = operation.cache?.scope === 'PUBLIC' ? undefined : viewer.id;
      let material = `${operation.documentKey}\n${String(clientVersion.version)}\n${JSON.stringify(coerced)}`;
      for (const name of keyHeaders) material += `\n${headers.get(name) ?? ''}`;
      // What the wings say shapes the answer (core/variation.ts: the locale, the flag variants).
      const variation = variationKey(admitted.variation);
      if (variation) material += `\n${variation}`;
      const digest = hash('sha1', material, 'base64url');
      return { key: viewerId === undefined ? `public:${digest}` : `viewer:${viewerId}:${digest}`, viewerId };
    },
    async get(slot: CacheSlot): Promise<CachedAnswer | undefined> {
      try {
        const answer = await backend.get(slot.key, slot.viewerId);
        recovered();
        return answer;
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    async set(slot: CacheSlot, answer: CachedAnswer): Promise<void> {
      try {
        await backend.set(slot.key, answer, answer.policy.maxAge);
        recovered();
      } catch (error) {
        failed(error);
      }
    },
    /** After a viewer's mutation: that viewer's next home and title show it at once. */
    async invalidate(viewerId: string): Promise<void> {
      try {
        await backend.invalidate(viewerId, clock());
      } catch (error) {
        // Not recorded: the viewer's answers live out their maxAge (at most the client's policy,
        // a minute or two). Logged every time, since it is a visible staleness.
        logger.warn({ err: error, viewer: viewerId }, 'a mutation could not invalidate the viewer\'s cached answers');
      }
    },
    now: clock,
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;
