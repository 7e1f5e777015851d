import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { CallContext } from '../downstream/http-client.ts';
import type { ServiceCredentials } from '../downstream/call.ts';
import type { CatalogClient, SparseTitle, TitleField } from '../downstream/services/catalog.ts';
import { Deadline } from '../resilience/deadline.ts';
import type { SharedEntries, SharedEntry } from '../stores/shared-entries.ts';
import { freshnessOf, type Freshness } from './freshness.ts';

/** `TITLE_CACHE_MB`: the in-process bound, in MB of the kept titles' JSON. */
export const DEFAULT_TITLE_CACHE_MB = 32;

/**
 * An unknown id (null in a batch) is kept this long at most, and never served stale: ids come
 * from other services (my-list, recommendations), so a withdrawn title would otherwise cost a
 * catalog call on every home that lists it, and a title about to be published shows up soon.
 */
const NULL_FRESH_MS = 30_000;
/** Background revalidations at once: a screen's worth of stale titles must not take the catalog's sockets from requests. */
const REVALIDATIONS_AT_ONCE = 4;
/** Past this many waiting, a stale title is not queued again; the next read that finds it stale asks. */
const MAX_QUEUED = 1_000;

/** Where loaders read titles from: the catalog, through the cache when there is one. */
export interface TitleSource {
  /** Titles in the order asked, null for unknown ids: what is kept and usable is served, the rest costs one catalog batch. */
  read<F extends TitleField>(call: CallContext, ids: readonly string[], fields: readonly F[]): Promise<(SparseTitle<F> | null)[]>;
  /** Resolves once no background revalidation is running or waiting. */
  settled(): Promise<void>;
  /** Drops waiting revalidations and waits for the running ones. */
  close(): Promise<void>;
}

export interface TitleCacheOptions {
  catalog: CatalogClient;
  /** The in-process level's bound: the sum of its entries' JSON sizes. 0 turns the cache off, both levels. */
  maxBytes: number;
  /** The second level every replica shares (Redis, under this BFF's prefix). */
  shared?: SharedEntries;
  /** Milliseconds since the epoch: injected, so tests decide when a title goes stale. */
  now: () => number;
  /** How long one background revalidation may take. */
  revalidationTimeoutMs: number;
  logger: Logger;
}

/**
 * The shared title cache: sparse titles kept across requests and viewers (they are public and
 * the same for everyone), per fieldset and id, as long as the catalog's Cache-Control allows
 * (freshness.ts). Level one is an LRU in process, bounded in bytes; level two, when there is
 * one, is Redis, so a replica that starts cold reads what another fetched. A stale title is
 * served at once and revalidated in the background with If-None-Match (the ETag came with its
 * batch): a 304 makes it fresh again without a body. A failed call keeps nothing.
 */
export function createTitleCache(options: TitleCacheOptions): TitleSource {
  return options.maxBytes > 0 ? new TitleCache(options) : uncachedTitles(options.catalog);
}

/** No cache: every read is a batch. */
const uncachedTitles = (catalog: CatalogClient): TitleSource => ({
  read: (call, ids, fields) => catalog.batch(call, ids, fields),
  settled: async () => undefined,
  close: async () => undefined,
});

interface Kept {
  value: unknown;
  etag: string | undefined;
  freshUntil: number;
  staleUntil: number;
  /** Its serialized size: what the LRU's bound counts. */
  bytes: number;
}

interface Fieldset {
  fields: readonly TitleField[];
  /** Short and stable, for keys: the same fields in the same order in every replica. */
  tag: string;
}

interface Revalidation {
  key: string;
  id: string;
  fieldset: Fieldset;
  /**
   * The credentials and request id of the request that found it stale. The catalog is public, so
   * its token is the BFF's own (downstream/service-tokens.ts), never that viewer's.
   */
  credentials: ServiceCredentials;
  requestId: string;
}

class TitleCache implements TitleSource {
  private readonly memory: LRUCache<string, Kept>;
  private readonly fieldsets = new Map<string, Fieldset>();
  private readonly queue: Revalidation[] = [];
  private readonly revalidating = new Set<string>();
  /** Each missing title a batch is fetching now, by key: what a concurrent miss of it waits for. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private running = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: TitleCacheOptions) {
    this.memory = new LRUCache<string, Kept>({ maxSize: options.maxBytes, sizeCalculation: (kept) => kept.bytes });
  }

  async read<F extends TitleField>(call: CallContext, ids: readonly string[], fields: readonly F[]): Promise<(SparseTitle<F> | null)[]> {
    const fieldset = this.fieldsetOf(fields);
    const now = this.options.now();
    const values: unknown[] = new Array(ids.length);
    const kept: (Kept | undefined)[] = new Array(ids.length);
    const unsettled: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const entry = this.memory.get(keyOf(fieldset, ids[i]!));
      if (entry && now < entry.freshUntil) values[i] = entry.value;
      else (kept[i] = entry), unsettled.push(i);
    }
    if (unsettled.length === 0) {
      call.observation?.cacheLookup('title', 'hit', ids.length);
      return values as (SparseTitle<F> | null)[];
    }

    // Another replica may have fetched or revalidated what this one lacks or holds stale.
    if (this.options.shared) await this.adoptShared(fieldset, ids, unsettled, kept, now);

    const missing: number[] = [];
    const stale: string[] = [];
    for (const i of unsettled) {
      const entry = kept[i];
      if (entry && now < entry.freshUntil) values[i] = entry.value;
      else if (entry && now < entry.staleUntil) (values[i] = entry.value), stale.push(ids[i]!);
      else missing.push(i);
    }
    const observation = call.observation;
    if (observation) {
      const hits = ids.length - stale.length - missing.length;
      if (hits) observation.cacheLookup('title', 'hit', hits);
      if (stale.length) observation.cacheLookup('title', 'stale', stale.length);
      if (missing.length) observation.cacheLookup('title', 'miss', missing.length);
    }
    if (stale.length > 0) this.revalidateLater(call, fieldset, stale);
    if (missing.length > 0) await this.fetchMissing(call, fieldset, ids, missing, values);
    return values as (SparseTitle<F> | null)[];
  }

  /**
   * The missing titles, each fetched once however many requests miss it at the same moment: a
   * title another request's batch is already fetching is waited for (joined), the rest go in one
   * batch of this request's, which later requests join in turn. A joined batch that fails (its
   * request's client left, its deadline was shorter, the catalog failed it) is asked again in
   * this request's own batch, so no request fails for another's reasons.
   */
  private async fetchMissing(call: CallContext, fieldset: Fieldset, ids: readonly string[], missing: number[], values: unknown[]): Promise<void> {
    const asking: number[] = [];
    const joined: Promise<void>[] = [];
    const failed: number[] = [];
    for (const i of missing) {
      const pending = this.inFlight.get(keyOf(fieldset, ids[i]!));
      if (!pending) asking.push(i);
      else joined.push(pending.then((value) => void (values[i] = value), () => void failed.push(i)));
    }
    const own = asking.length > 0 ? this.batch(call, fieldset, asking.map((i) => ids[i]!)).then((fetched) => asking.forEach((i, j) => (values[i] = fetched[j]))) : undefined;
    await Promise.all([own, ...joined]);
    if (failed.length === 0) return;
    const fetched = await this.batch(call, fieldset, failed.map((i) => ids[i]!));
    failed.forEach((i, j) => (values[i] = fetched[j]));
  }

  /** One catalog batch for `ids`, kept when the catalog allows; each title's share of it is in flight until then. */
  private batch(call: CallContext, fieldset: Fieldset, ids: string[]): Promise<unknown[]> {
    const batch = (async () => {
      const answer = await this.options.catalog.validatedBatch(call, ids, fieldset.fields);
      // Frozen: several requests read the same objects, kept or not.
      const fetched = ids.map((_, j) => deepFreeze(answer.titles[j] ?? null));
      const freshness = freshnessOf(answer.cache);
      if (freshness) await this.keep(fieldset, ids.map((id, j) => [id, fetched[j], answer.etags[j] ?? undefined]), freshness, this.options.now());
      return fetched;
    })();
    const shares = ids.map((id, j) => {
      const key = keyOf(fieldset, id);
      const share = batch.then((fetched) => fetched[j]);
      share.catch(() => undefined); // a share no one joined must not be an unhandled rejection
      this.inFlight.set(key, share);
      return [key, share] as const;
    });
    // Kept (or failed) by now: later requests read the cache, or ask again.
    const done = () => {
      for (const [key, share] of shares) if (this.inFlight.get(key) === share) this.inFlight.delete(key);
    };
    batch.then(done, done);
    return batch;
  }

  settled(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.revalidating.delete(job.key);
    await this.settled();
  }

  private fieldsetOf(fields: readonly TitleField[]): Fieldset {
    const list = fields.join(',');
    let fieldset = this.fieldsets.get(list);
    if (!fieldset) this.fieldsets.set(list, (fieldset = { fields, tag: createHash('sha1').update(list).digest('base64url').slice(0, 12) }));
    return fieldset;
  }

  /** Takes level two's entry for each index where it is fresher than level one's. */
  private async adoptShared(fieldset: Fieldset, ids: readonly string[], indexes: number[], kept: (Kept | undefined)[], now: number): Promise<void> {
    const texts = await this.options.shared!.get(indexes.map((i) => keyOf(fieldset, ids[i]!)));
    indexes.forEach((i, j) => {
      const found = texts[j] === undefined ? undefined : parseKept(texts[j]!);
      if (!found || now >= found.staleUntil || (kept[i] && kept[i]!.freshUntil >= found.freshUntil)) return;
      kept[i] = found;
      this.memory.set(keyOf(fieldset, ids[i]!), found);
    });
  }

  /** Keeps titles as fresh as the catalog said, in both levels. */
  private async keep(fieldset: Fieldset, titles: [string, unknown, string | undefined][], freshness: Freshness, now: number): Promise<void> {
    const shared: SharedEntry[] = [];
    const dropped: string[] = [];
    for (const [id, value, etag] of titles) {
      const entry = keptFor(value, etag, freshness, now);
      const key = keyOf(fieldset, id);
      if (!entry) {
        this.memory.delete(key);
        dropped.push(key);
        continue;
      }
      this.memory.set(key, entry.kept);
      shared.push({ key, text: entry.text, ttlMs: entry.kept.staleUntil - now });
    }
    // Awaited (one pipelined round trip, only after a batch or a revalidation): a replica that
    // asks right after this answer finds the titles.
    await Promise.all([this.options.shared?.set(shared), dropped.length > 0 && this.options.shared?.delete(dropped)]);
  }

  private async forget(fieldset: Fieldset, id: string): Promise<void> {
    const key = keyOf(fieldset, id);
    this.memory.delete(key);
    await this.options.shared?.delete([key]);
  }

  /** Queues a conditional GET per stale title, one at a time per title, a few at once in all. */
  private revalidateLater(call: CallContext, fieldset: Fieldset, ids: string[]): void {
    if (this.closed) return;
    for (const id of ids) {
      const key = keyOf(fieldset, id);
      if (this.revalidating.has(key) || this.queue.length >= MAX_QUEUED) continue;
      this.revalidating.add(key);
      this.queue.push({ key, id, fieldset, credentials: call.credentials, requestId: call.requestId });
    }
    this.pump();
  }

  private pump(): void {
    while (this.running < REVALIDATIONS_AT_ONCE && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.revalidate(job).finally(() => {
        this.running--;
        this.revalidating.delete(job.key);
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const resolve of this.waiters.splice(0)) resolve();
      });
    }
  }

  private async revalidate({ key, id, fieldset, credentials, requestId }: Revalidation): Promise<void> {
    const kept = this.memory.get(key);
    if (!kept?.etag) return;
    // Its own deadline: the request that found the title stale has been answered by now.
    const deadline = Deadline.after(this.options.revalidationTimeoutMs);
    try {
      const outcome = await this.options.catalog.revalidate({ credentials, requestId, deadline }, id, fieldset.fields, kept.etag);
      const freshness = freshnessOf(outcome.cache);
      if (!freshness) return await this.forget(fieldset, id);
      // RFC 9111 §4.3.4: a 304 freshens the kept copy with the new answer's headers.
      const [value, etag] = outcome.modified ? [outcome.title, outcome.etag] : [kept.value, kept.etag];
      await this.keep(fieldset, [[id, value, etag]], freshness, this.options.now());
    } catch (error) {
      // Gone: the next read asks the batch, which says null. Anything else: the stale copy is
      // served until its stale window ends, and the next read after that asks again.
      if ((error as { extensions?: { code?: string } }).extensions?.code === 'NOT_FOUND') await this.forget(fieldset, id);
      else this.options.logger.debug({ err: error, titleId: id }, 'title revalidation failed: the stale copy is served until it expires');
    } finally {
      deadline.dispose();
    }
  }
}

const keyOf = (fieldset: Fieldset, id: string) => `${fieldset.tag}:${id}`;

/** What to keep for one title, with its text for level two; undefined when it may not be kept at all. */
function keptFor(value: unknown, etag: string | undefined, freshness: Freshness, now: number): { kept: Kept; text: string } | undefined {
  const freshMs = value === null ? Math.min(freshness.freshMs, NULL_FRESH_MS) : freshness.freshMs;
  // Without a validator a stale title cannot be revalidated, only fetched again: no stale window.
  const staleMs = value === null || etag === undefined ? 0 : freshness.staleMs;
  if (freshMs + staleMs <= 0) return undefined;
  const freshUntil = now + freshMs;
  const staleUntil = freshUntil + staleMs;
  const text = JSON.stringify({ v: value, e: etag ?? null, f: freshUntil, s: staleUntil });
  return { kept: { value: deepFreeze(value), etag, freshUntil, staleUntil, bytes: Buffer.byteLength(text) }, text };
}

function parseKept(text: string): Kept | undefined {
  try {
    const { v, e, f, s } = JSON.parse(text) as { v: unknown; e: string | null; f: number; s: number };
    if (typeof f !== 'number' || typeof s !== 'number' || v === undefined) return undefined;
    return { value: deepFreeze(v), etag: e ?? undefined, freshUntil: f, staleUntil: s, bytes: Buffer.byteLength(text) };
  } catch {
    return undefined;
  }
}

/** One kept title is read by every request: none of them may change it for the others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
