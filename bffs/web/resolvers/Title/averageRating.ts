import { staleIfError } from '../../../kit/index.ts';
import type { TitleResolvers } from '../../generated/resolvers.generated.ts';

/** The viewer's last good rating if reviews fails. */
export const averageRating: TitleResolvers['averageRating'] = staleIfError(
  (title) => title.id,
  async (title, _, { loaders }) => (await loaders.reviewSummaries.load(title.id))?.averageRating ?? null,
);
