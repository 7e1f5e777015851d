import type { ExecutionResult } from 'graphql';
import { entityTag, NO_STORE, cacheControlOf } from '../caching/http-cache.ts';
import type { ResponseCache } from '../caching/response-cache.ts';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestFacts } from '../execution/context.ts';
import type { Executor } from '../execution/execute.ts';

/** A successful answer, serialised: what the transports deliver (deliver.ts), 304 included. */
export interface Representation {
  body: string;
  cacheControl: string;
  /** The strong ETag of a cacheable answer (a query's); none on a mutation's. */
  tag?: string;
  /** Seconds since it was computed, on a response-cache hit. */
  ageSeconds?: number;
  /** Where the compressed bodies are kept for the next hit (the cached entry's), when it is cached. */
  encoded?: Partial<Record<'br' | 'gzip', Buffer>>;
}

/** Either a representation, or a result with errors for the transports' error rules (always `no-store`). */
export type Answer = { representation: Representation; result?: undefined } | { result: ExecutionResult; representation?: undefined };

type Facts = Omit<RequestFacts, 'viewer' | 'client'>;

/**
 * Answers an admitted request, the same on both transports: from the response cache when it
 * holds the answer, else by executing it (execute.ts); a successful query is serialised with its
 * compiled serialiser, tagged and, when its policy allows, stored; a mutation invalidates the
 * viewer's cached answers before its own answer is sent, so the viewer's next read sees it.
 */
export function createResponder(execute: Executor, cache: ResponseCache | undefined) {
  return async function respond(admitted: Admitted, facts: Facts): Promise<Answer> {
    const { operation, viewer } = admitted;
    const policy = operation.cache;
    const slot = cache && policy && policy.maxAge > 0 ? cache.slotOf(admitted, facts.headers) : undefined;
    // Before anything is read: an answer begun before the viewer's next mutation ends is never served.
    const startedAt = cache?.now() ?? 0;
    if (slot) {
      const hit = await cache!.get(slot);
      facts.observation?.cacheLookup('response', hit ? 'hit' : 'miss');
      if (hit) {
        const ageSeconds = Math.max(0, Math.floor((cache!.now() - hit.storedAt) / 1000));
        return { representation: { body: hit.body, tag: hit.tag, cacheControl: cacheControlOf(hit.policy), ageSeconds, encoded: (hit.encoded ??= {}) } };
      }
    }
    const result = await execute(admitted, facts);
    // Every mutation, whatever it answered: one that timed out may still have changed the list.
    if (operation.kind === 'mutation' && cache) await cache.invalidate(viewer.id);
    // Errors (partial answers too) and anything marked in extensions (stale values) are never cached.
    if (result.errors?.length || result.extensions) return { result };
    const body = operation.compiled.stringify(result);
    if (!policy) return { representation: { body, cacheControl: NO_STORE } };
    const tag = entityTag(body, policy.scope === 'PRIVATE' ? viewer.id : undefined);
    if (!slot) return { representation: { body, tag, cacheControl: cacheControlOf(policy) } };
    const encoded = {};
    void cache!.set(slot, { body, tag, policy, storedAt: startedAt, encoded });
    return { representation: { body, tag, cacheControl: cacheControlOf(policy), encoded } };
  };
}

export type Responder = ReturnType<typeof createResponder>;
