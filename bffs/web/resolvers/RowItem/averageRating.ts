import { staleIfError } from '../../../kit/index.ts';
import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

/** One reviews-summary batch for every item on the screen; the viewer's last good rating if reviews fails. */
export const averageRating: RowItemResolvers['averageRating'] = staleIfError(
  (item) => item.id,
  async (item, _, { loaders }) => (await loaders.reviewSummaries.load(item.id))?.averageRating ?? null,
);
