import { loadTitleOrNotFound, localize } from '../../../kit/index.ts';
import { toTitleDetail } from '../../mappers/title-detail.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const title: QueryResolvers['title'] = async (_, { id }, context) => {
  const [found, localizer] = await Promise.all([loadTitleOrNotFound(context.loaders.titles, id), localize(context)]);
  return toTitleDetail(found, context.now(), localizer);
};
