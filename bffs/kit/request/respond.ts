import type { ExecutionResult } from 'graphql';
import { isIncremental, type IncrementalResult } from '../execution/incremental.ts';
import { entityTag, NO_STORE, cacheControlOf } from '../caching/http-cache.ts';
import { hasExtensions, variationKey, type Variation } from '../core/variation.ts';
import type { ResponseCache } from '../caching/response-cache.ts';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestFacts } from '../execution/context.ts';
import type { Executor } from '../execution/execute.ts';

/** A successful answer, serialised: what the transports deliver (deliver.ts), 304 included. */
export interface Representation {
  body: string;
  /** The body in UTF-8, when it was encoded already (to tag it): delivered as is rather than encoded again. */
  bytes?: Buffer;
  cacheControl: string;
  /** The strong ETag of a cacheable answer (a query's); none on a mutation's. */
  tag?: string;
  /** Seconds since it was computed, on a response-cache hit. */
  ageSeconds?: number;
  /** Where the compressed bodies are kept for the next hit (the cached entry's), when it is cached. */
  encoded?: Partial<Record<'br' | 'gzip', Buffer>>;
  /** Headers the wings set while it was computed (core/variation.ts: a Content-Language found then), kept with it. */
  headers?: Record<string, string>;
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
    const { operation, viewer, variation } = admitted;
    const policy = operation.cache;
    const slot = cache && policy && policy.maxAge > 0 ? cache.slotOf(admitted, facts.headers) : undefined;
    // Before anything is read: an answer begun before the viewer's next mutation ends is never served.
    const startedAt = cache?.now() ?? 0;
    if (slot) {
      const hit = await cache!.get(slot);
      facts.observation?.cacheLookup('response', hit ? 'hit' : 'miss');
      if (hit) {
        const ageSeconds = Math.max(0, Math.floor((cache!.now() - hit.storedAt) / 1000));
        return { representation: { body: hit.body, tag: hit.tag, cacheControl: cacheControlOf(hit.policy), ageSeconds, encoded: (hit.encoded ??= {}), headers: hit.headers } };
      }
    }
    const result = await execute(admitted, facts);
    // Every mutation, whatever it answered: one that timed out may still have changed the list.
    if (operation.kind === 'mutation' && cache) await cache.invalidate(viewer.id);
    // Errors (partial answers too) and anything marked in extensions (stale values) are never cached.
    if (result.errors?.length || result.extensions) return { result: withVariationExtensions(result, variation) };
    const body = withExtensionsInBody(operation.compiled.stringify(result), variation);
    const headers = variationHeaders(variation);
    if (!policy) return { representation: { body, cacheControl: NO_STORE, headers } };
    // The variation (locale, flag variants) is part of the tag: a tag from one never matches another's answer.
    const bytes = Buffer.from(body);
    const tag = entityTag(bytes, tagKeyOf(policy.scope === 'PRIVATE' ? viewer.id : undefined, variation));
    if (!slot) return { representation: { body, bytes, tag, cacheControl: cacheControlOf(policy), headers } };
    const encoded = {};
    void cache!.set(slot, { body, tag, policy, storedAt: startedAt, encoded, ...(headers ? { headers } : {}) });
    return { representation: { body, bytes, tag, cacheControl: cacheControlOf(policy), encoded, headers } };
  };
}

export type Responder = ReturnType<typeof createResponder>;

/** What the ETag is salted with: the viewer of a private answer, and the variation's keys. */
function tagKeyOf(viewerId: string | undefined, variation: Variation | undefined): string | undefined {
  const key = variationKey(variation);
  if (!key) return viewerId;
  return viewerId === undefined ? key : `${viewerId}\n${key}`;
}

/** A result with errors carries the variation's extensions too (the app attributes what it was shown). */
function withVariationExtensions(result: ExecutionResult, variation: Variation | undefined): ExecutionResult {
  return hasExtensions(variation) ? { ...result, extensions: { ...variation.extensions, ...result.extensions } } : result;
}

/**
 * An answer in parts (`@defer`) carries the variation's extensions in its first part, as a whole
 * answer carries them: the app attributes what it was shown however the answer was delivered.
 */
export function withVariationInParts(parts: IncrementalResult | ExecutionResult, variation: Variation | undefined): IncrementalResult | ExecutionResult {
  if (!hasExtensions(variation)) return parts;
  if (!isIncremental(parts)) return withVariationExtensions(parts, variation);
  return (async function* first() {
    let isFirst = true;
    for await (const part of parts) {
      yield isFirst ? { ...part, extensions: { ...variation.extensions, ...part.extensions } } : part;
      isFirst = false;
    }
  })();
}

/** The compiled serialiser writes `{"data":…}`: the variation's extensions go after it, in the same object. */
function withExtensionsInBody(body: string, variation: Variation | undefined): string {
  if (!hasExtensions(variation)) return body;
  return `${body.slice(0, body.lastIndexOf('}'))},"extensions":${JSON.stringify(variation.extensions)}}`;
}

function variationHeaders(variation: Variation | undefined): Record<string, string> | undefined {
  if (!variation) return undefined;
  for (const _ in variation.headers) return { ...variation.headers };
  return undefined;
}
