import type { TitleResolvers } from '../../generated/resolvers.generated.ts';

export const averageRating: TitleResolvers['averageRating'] = async (title, _, { loaders }) =>
  (await loaders.reviewSummaries.load(title.id))?.averageRating ?? null;
