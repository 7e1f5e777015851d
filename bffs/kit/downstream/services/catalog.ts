import type { components, operations } from '../types/catalog.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

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

export const catalogClient = (http: DownstreamHttp) => {
  /** A page of matching titles; with `fields`, the items are sparse (`id` and those fields). */
  const search = <F extends TitleField = TitleField>(call: CallContext, { fields, ...params }: SearchParams<F>) =>
    http.json<SearchPage<SparseTitle<F>>>(call, { path: '/titles', query: { ...params, fields: fields?.join(',') } });

  return {
    /** Titles in the order asked, `null` for unknown ids. At most TITLE_BATCH_LIMIT ids. */
    batch: async <F extends TitleField>(call: CallContext, ids: readonly string[], fields: readonly F[]) => {
      const { titles } = await http.json<{ titles: (SparseTitle<F> | null)[] }>(call, {
        method: 'POST',
        idempotent: true, // a read that needs a body, safe to repeat
        path: '/titles/batch',
        body: { ids, fields },
      });
      return titles;
    },
    search,
    /** Titles released on or after `releasedAfter` (`YYYY-MM-DD`), newest first: a "New Releases" row. */
    newest: <F extends TitleField = TitleField>(call: CallContext, params: { releasedAfter: string; limit: number; fields?: readonly F[]; cursor?: string }) =>
      search<F>(call, { ...params, sort: 'newest' }),
  };
};

export type CatalogClient = ReturnType<typeof catalogClient>;
