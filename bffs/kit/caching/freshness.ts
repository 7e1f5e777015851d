import type { CacheHeaders } from '../downstream/services/catalog.ts';

/** How long a kept answer may be served as it is, then served stale while it revalidates. */
export interface Freshness {
  freshMs: number;
  /** Past `freshMs`: 0 unless the origin allowed it (RFC 5861 stale-while-revalidate). */
  staleMs: number;
}

/**
 * What RFC 9111 lets a shared cache (one that serves many viewers, as the title cache does) do
 * with an answer, or undefined when it may not keep it:
 * - `no-store` and `private` are never kept; nor is `no-cache` (it asks for a revalidation on
 *   every use, which a batch cannot make), nor an answer with no explicit lifetime: a cache may
 *   guess one only for answers that are cacheable by default, and a batch is a POST.
 * - The lifetime is `s-maxage` (for shared caches) or else `max-age`, less the `Age` the answer
 *   already has.
 * - It may be served stale only for as long as `stale-while-revalidate` says (RFC 9111 §4.2.4:
 *   never without the origin's leave), and never under `must-revalidate` or `proxy-revalidate`.
 */
export function freshnessOf({ cacheControl, age }: CacheHeaders): Freshness | undefined {
  if (!cacheControl) return undefined;
  const directives = parseCacheControl(cacheControl);
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return undefined;
  const lifetime = seconds(directives.get('s-maxage')) ?? seconds(directives.get('max-age'));
  if (lifetime === undefined) return undefined;
  const freshMs = Math.max(0, lifetime - (seconds(age) ?? 0)) * 1000;
  const mustRevalidate = directives.has('must-revalidate') || directives.has('proxy-revalidate');
  const staleMs = mustRevalidate ? 0 : (seconds(directives.get('stale-while-revalidate')) ?? 0) * 1000;
  return { freshMs, staleMs };
}

/** Directive names in lower case, each to its value (unquoted) or `''`; the first of a repeated one wins. */
function parseCacheControl(header: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of header.split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name && !directives.has(name)) directives.set(name, rest.join('=').trim().replace(/^"(.*)"$/, '$1'));
  }
  return directives;
}

/** RFC 9111 §1.2.2 delta-seconds: digits only; anything else is as if absent. */
function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
