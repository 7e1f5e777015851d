import { decodeCursor, encodeCursor, pageSize, concierge } from '../../../kit/index.ts';
import { toSearchResult } from '../../mappers/title.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

const MAX_QUERY_LENGTH = 100;

/**
 * The search service (gRPC) finds the ids and where the query matched; the titles come through
 * the request's catalog batch and the shared title cache, as every card's do. A title the
 * catalog no longer has is left out.
 */
export const search: QueryResolvers['search'] = async (_, { query, first, after }, { services, call, loaders }) => {
  const text = query.trim();
  if (text.length === 0 || text.length > MAX_QUERY_LENGTH) {
    throw concierge('BAD_USER_INPUT', `query must be 1 to ${MAX_QUERY_LENGTH} characters.`);
  }
  const page = await services.search.titles(call, { query: text, limit: pageSize(first, 20, 50), cursor: decodeCursor(after) });
  const titles = await Promise.all(page.hits.map((hit) => loaders.titles.load(hit.titleId)));
  return {
    totalCount: page.total,
    edges: page.hits.flatMap((hit, i) => (titles[i] ? [{ node: toSearchResult(titles[i], hit) }] : [])),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: encodeCursor(page.nextCursor) },
  };
};
