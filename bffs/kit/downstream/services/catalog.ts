import type { components } from '../types/catalog.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type Title = components['schemas']['Title'];
export type TitleField = keyof Title;
export type SparseTitle<F extends TitleField> = Pick<Title, F | 'id'>;

/** The catalog refuses batches above this. */
export const TITLE_BATCH_LIMIT = 100;

interface SearchPage {
  items: Title[];
  total: number;
  nextCursor: string | null;
}

export const catalogClient = (http: DownstreamHttp) => ({
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
  search: (call: CallContext, params: { query: string; limit: number; cursor?: string }) =>
    http.json<SearchPage>(call, { path: '/titles', query: params }),
});

export type CatalogClient = ReturnType<typeof catalogClient>;
