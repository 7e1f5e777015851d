import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

/** One reviews-summary batch for every item on the screen. */
export const averageRating: RowItemResolvers['averageRating'] = async (item, _, { loaders }) =>
  (await loaders.reviewSummaries.load(item.id))?.averageRating ?? null;
