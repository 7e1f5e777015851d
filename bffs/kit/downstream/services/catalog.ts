import type { components, operations } from '../types/catalog.generated.ts';
import type { Answer, CallContext, DownstreamHttp } from '../http-client.ts';

export type Title = components['schemas']['Title'];
export type TitleField = keyof Title;
export type SparseTitle<F extends TitleField> = Pick<Title, F | 'id'>;

/** The catalog refuses batches above this. */
export const TITLE_BATCH_LIMIT = 100;

/** How `GET /titles` orders its matches: id order (the catalog's default), or newest release first. */
export type TitleSort = NonNullable<NonNullable<operations['searchTitles']['parameters']['query']>['sort']>;

/** One page of `GET /titles`; its items hold `id` and `F` only when `fields` was sent. */
export interface SearchPage<T = Title> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

export interface SearchParams<F extends TitleField> {
  /** Text the name must contain, case-insensitive; absent matches every title. */
  query?: string;
  limit: number;
  cursor?: string;
  /** `YYYY-MM-DD`: only titles released that day or later. */
  releasedAfter?: string;
  sort?: TitleSort;
  /** Sparse items: `id` and these fields only. */
  fields?: readonly F[];
}

/** What a cache reads to know how long it may keep a title (RFC 9111): the answer's `Cache-Control` and `Age`. */
export interface CacheHeaders {
  cacheControl: string | undefined;
  age: string | undefined;
}

/** A batch with what keeping its titles needs: each title's entity tag, and the answer's freshness. */
export interface ValidatedBatch<F extends TitleField> {
  titles: (SparseTitle<F> | null)[];
  /** `etags[i]` validates `titles[i]` at `GET /titles/{id}` with the same fields; empty from a catalog that sends none. */
  etags: (string | null)[];
  cache: CacheHeaders;
}

/** A conditional GET's outcome: the copy is still current (304), or here is the new one. */
export type Revalidated<F extends TitleField> =
  | { modified: false; cache: CacheHeaders }
  | { modified: true; title: SparseTitle<F>; etag: string | undefined; cache: CacheHeaders };

type TitleBatch = components['schemas']['TitleBatch'];
const cacheHeaders = (answer: Answer<unknown>): CacheHeaders => ({ cacheControl: answer.header('cache-control'), age: answer.header('age') });

export const catalogClient = (http: DownstreamHttp) => {
  /** A page of matching titles; with `fields`, the items are sparse (`id` and those fields). */
  const search = <F extends TitleField = TitleField>(call: CallContext, { fields, ...params }: SearchParams<F>) =>
    http.json<SearchPage<SparseTitle<F>>>(call, { route: '/titles', query: { ...params, fields: fields?.join(',') } });

  /** Titles in the order asked, `null` for unknown ids, with their entity tags and freshness. At most TITLE_BATCH_LIMIT ids. */
  const validatedBatch = async <F extends TitleField>(call: CallContext, ids: readonly string[], fields: readonly F[]): Promise<ValidatedBatch<F>> => {
    const answer = await http.answer<{ titles: (SparseTitle<F> | null)[]; etags?: TitleBatch['etags'] }>(call, {
      method: 'POST',
      idempotent: true, // a read that needs a body, safe to repeat
      route: '/titles/batch',
      body: { ids, fields },
    });
    const { titles, etags = [] } = answer.body!;
    return { titles, etags, cache: cacheHeaders(answer) };
  };

  return {
    /** Titles in the order asked, `null` for unknown ids. At most TITLE_BATCH_LIMIT ids. */
    batch: async <F extends TitleField>(call: CallContext, ids: readonly string[], fields: readonly F[]) => (await validatedBatch(call, ids, fields)).titles,
    validatedBatch,
    /**
     * Revalidates a kept title (RFC 9110 §13.1.2): `If-None-Match` with its tag, the same fields
     * as the batch it came from. A 304 has no body; a title that is gone is NOT_FOUND.
     */
    revalidate: async <F extends TitleField>(call: CallContext, id: string, fields: readonly F[], etag: string): Promise<Revalidated<F>> => {
      const answer = await http.answer<SparseTitle<F>>(call, { route: '/titles/:id', params: { id }, query: { fields: fields.join(',') }, headers: { 'if-none-match': etag } });
      const cache = cacheHeaders(answer);
      return answer.status === 304 ? { modified: false, cache } : { modified: true, title: answer.body!, etag: answer.header('etag'), cache };
    },
    search,
    /** Titles released on or after `releasedAfter` (`YYYY-MM-DD`), newest first: a "New Releases" row. */
    newest: <F extends TitleField = TitleField>(call: CallContext, params: { releasedAfter: string; limit: number; fields?: readonly F[]; cursor?: string }) =>
      search<F>(call, { ...params, sort: 'newest' }),
  };
};

export type CatalogClient = ReturnType<typeof catalogClient>;
