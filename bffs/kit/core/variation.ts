/**
 * What shapes one answer beyond its document, variables, app version and viewer: the wings'
 * say (the locale it is written in, the flag variants it was computed under). The wings' stages
 * (perimeter/wing.ts `variationStages`) fill it in after the viewer is known; the request path
 * carries it without knowing whose parts they are:
 * - `keys` go into the response cache's key and the ETag, so an answer computed under one
 *   variation is never served, nor revalidated, under another;
 * - `vary` into the answer's `Vary`, for the HTTP caches between the BFF and the app;
 * - `context` into the resolvers' context (each wing names its own entry);
 * - `extensions` into the answer's `extensions` (cached with it: the key already holds them);
 * - `headers` set during execution (a locale found only then) go on the answer and are cached
 *   with it; headers known before it go on the passage's own (`Passage.headers`);
 * - `facts` are what an earlier wing found that a later one may target on (the locale).
 */
export interface Variation {
  keys: string[];
  facts: Record<string, string>;
  vary: string[];
  context: Record<string, unknown>;
  extensions: Record<string, unknown>;
  headers: Record<string, string>;
}

export function emptyVariation(): Variation {
  return { keys: [], facts: {}, vary: [], context: {}, extensions: {}, headers: {} };
}

/** The variation's keys as one string (empty when it has none): what the cache key and the ETag take. */
export function variationKey(variation: Variation | undefined): string {
  return variation && variation.keys.length ? variation.keys.join('\n') : '';
}

/** True when the variation puts anything in the answer's `extensions`. */
export function hasExtensions(variation: Variation | undefined): variation is Variation {
  if (!variation) return false;
  for (const _ in variation.extensions) return true;
  return false;
}
