import { decodeCursor, encodeCursor, pageSize, concierge } from '../../../kit/index.ts';
import { toSearchResult } from '../../mappers/title.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

const MAX_QUERY_LENGTH = 100;

export const search: QueryResolvers['search'] = async (_, { query, first, after }, { services, call }) => {
  const text = query.trim();
  if (text.length === 0 || text.length > MAX_QUERY_LENGTH) {
    throw concierge('BAD_USER_INPUT', `query must be 1 to ${MAX_QUERY_LENGTH} characters.`);
  }
  const page = await services.catalog.search(call, { query: text, limit: pageSize(first, 20, 50), cursor: decodeCursor(after) });
  return {
    totalCount: page.total,
    edges: page.items.map((title) => ({ node: toSearchResult(title) })),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: encodeCursor(page.nextCursor) },
  };
};
