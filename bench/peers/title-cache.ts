/**
 * floor-cached's title cache: the rule of the BFF's shared title cache
 * (bffs/kit/caching/title-cache.ts), written by hand for one process and one fieldset, so that
 * concierge with its title cache is measured against a limit that caches the same way:
 * - a title is kept for as long as the catalog's Cache-Control lets a shared cache keep it (the
 *   kit's own reading of RFC 9111, freshness.ts): never under no-store, private or no-cache;
 * - an unknown id (null in a batch) is kept 30 s at most and never served stale;
 * - past max-age, a title with an ETag is served stale for as long as stale-while-revalidate
 *   allows, and revalidated behind the answer with If-None-Match (a few at once; a 304 makes
 *   it fresh again, a 404 drops it); past that window it is asked for again;
 * - a title another home's batch is fetching is waited for, not asked again;
 * - an LRU bounded by the kept titles' JSON size (TITLE_CACHE_MB, as the BFF's).
 * No second level: the BFF in the bench runs without Redis (systems.ts, REDIS_URL unset).
 */
import { LRUCache } from 'lru-cache';
import { freshnessOf, type Freshness } from '../../bffs/kit/caching/freshness.ts';
import type { CacheHeaders } from '../../bffs/kit/downstream/services/catalog.ts';

/** As the kit's NULL_FRESH_MS: a withdrawn or coming title is asked for again soon. */
const NULL_FRESH_MS = 30_000;
/** As the kit's REVALIDATIONS_AT_ONCE and MAX_QUEUED. */
const REVALIDATIONS_AT_ONCE = 4;
const MAX_QUEUED = 1_000;

/** How the cache reaches the catalog, with the headers of the home that asks (its token, its request id). */
export interface CatalogReads<T, H> {
  /** `POST /titles/batch`: titles in the order asked (null: unknown), each one's ETag, the answer's Cache-Control and Age. */
  batch(ids: string[], headers: H): Promise<{ titles: (T | null)[]; etags: (string | null)[]; cache: CacheHeaders }>;
  /** `GET /titles/{id}` with If-None-Match: null when the catalog no longer knows the title. */
  revalidate(id: string, etag: string, headers: H): Promise<{ modified: false; cache: CacheHeaders } | { modified: true; title: T; etag: string | undefined; cache: CacheHeaders } | null>;
}

interface Kept<T> {
  value: T | null;
  etag: string | undefined;
  freshUntil: number;
  staleUntil: number;
  bytes: number;
}

/** `read(ids, headers)`: every id's title (null: unknown), from what is kept where it may be served, the rest in one batch. */
export function createTitleCache<T, H>(catalog: CatalogReads<T, H>, { maxBytes, batchLimit, now = Date.now }: { maxBytes: number; batchLimit: number; now?: () => number }) {
  const kept = new LRUCache<string, Kept<T>>({ maxSize: maxBytes, sizeCalculation: (entry) => entry.bytes });
  const inFlight = new Map<string, Promise<T | null>>();
  const queue: { id: string; headers: H }[] = [];
  const revalidating = new Set<string>();
  let running = 0;

  function keep(id: string, value: T | null, etag: string | undefined, freshness: Freshness, at: number): void {
    const freshMs = value === null ? Math.min(freshness.freshMs, NULL_FRESH_MS) : freshness.freshMs;
    // Without a validator a stale title cannot be revalidated, only fetched again: no stale window.
    const staleMs = value === null || etag === undefined ? 0 : freshness.staleMs;
    if (freshMs + staleMs <= 0) return void kept.delete(id);
    const bytes = Buffer.byteLength(JSON.stringify(value)) + (etag?.length ?? 0);
    kept.set(id, { value, etag, freshUntil: at + freshMs, staleUntil: at + freshMs + staleMs, bytes });
  }

  /** One batch for `ids`, kept as the catalog allows; each title is in flight until then. */
  function fetchBatch(ids: string[], headers: H): Promise<(T | null)[]> {
    const batch = catalog.batch(ids, headers).then(({ titles, etags, cache }) => {
      const fetched = ids.map((_, j) => titles[j] ?? null);
      const freshness = freshnessOf(cache);
      if (freshness) {
        const at = now();
        ids.forEach((id, j) => keep(id, fetched[j]!, etags[j] ?? undefined, freshness, at));
      }
      return fetched;
    });
    const shares = ids.map((id, j) => {
      const share = batch.then((fetched) => fetched[j]!);
      share.catch(() => undefined); // a share no home joined must not be an unhandled rejection
      inFlight.set(id, share);
      return share;
    });
    const done = () => ids.forEach((id, j) => inFlight.get(id) === shares[j] && inFlight.delete(id));
    batch.then(done, done);
    return batch;
  }

  /** `ids` in batches of at most `batchLimit` (the catalog's bound), into `byId`. */
  async function fetchAll(ids: string[], headers: H, byId: Map<string, T | null>): Promise<void> {
    const batches: Promise<void>[] = [];
    for (let i = 0; i < ids.length; i += batchLimit) {
      const chunk = ids.slice(i, i + batchLimit);
      batches.push(fetchBatch(chunk, headers).then((fetched) => chunk.forEach((id, j) => byId.set(id, fetched[j]!))));
    }
    await Promise.all(batches);
  }

  function revalidateLater(id: string, headers: H): void {
    if (revalidating.has(id) || queue.length >= MAX_QUEUED) return;
    revalidating.add(id);
    queue.push({ id, headers });
    pump();
  }

  function pump(): void {
    while (running < REVALIDATIONS_AT_ONCE && queue.length > 0) {
      const { id, headers } = queue.shift()!;
      running++;
      void revalidate(id, headers).finally(() => {
        running--;
        revalidating.delete(id);
        pump();
      });
    }
  }

  async function revalidate(id: string, headers: H): Promise<void> {
    const entry = kept.peek(id);
    if (!entry?.etag) return;
    try {
      const outcome = await catalog.revalidate(id, entry.etag, headers);
      const freshness = outcome && freshnessOf(outcome.cache);
      if (!freshness) return void kept.delete(id);
      // RFC 9111 §4.3.4: a 304 freshens the kept copy.
      if (outcome.modified) keep(id, outcome.title, outcome.etag, freshness, now());
      else keep(id, entry.value, entry.etag, freshness, now());
    } catch {
      // The stale copy is served until its window ends; the next read after that asks again.
    }
  }

  return async function read(ids: readonly string[], headers: H): Promise<Map<string, T | null>> {
    const at = now();
    const byId = new Map<string, T | null>();
    const missing: string[] = [];
    const joined: Promise<unknown>[] = [];
    const failed: string[] = [];
    for (const id of ids) {
      const entry = kept.get(id);
      if (entry && at < entry.staleUntil) {
        byId.set(id, entry.value);
        if (at >= entry.freshUntil) revalidateLater(id, headers);
        continue;
      }
      const pending = inFlight.get(id);
      if (pending) joined.push(pending.then((value) => byId.set(id, value), () => failed.push(id)));
      else missing.push(id);
    }
    await Promise.all([fetchAll(missing, headers, byId), ...joined]);
    // A joined batch that failed (another home's) is asked again in this home's own.
    if (failed.length > 0) await fetchAll(failed, headers, byId);
    return byId;
  };
}
