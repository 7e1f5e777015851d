import { decodeCursor, encodeCursor, pageSize } from '../../../kit/index.ts';
import { toReview } from '../../mappers/review.ts';
import type { TitleResolvers } from '../../generated/resolvers.generated.ts';

export const reviews: TitleResolvers['reviews'] = async (title, { first, after }, { services, call }) => {
  const page = await services.reviews.list(call, { titleId: title.id, limit: pageSize(first, 10, 50), cursor: decodeCursor(after) });
  return {
    totalCount: page.total,
    edges: page.items.map((review) => ({ node: toReview(review) })),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: encodeCursor(page.nextCursor) },
  };
};
