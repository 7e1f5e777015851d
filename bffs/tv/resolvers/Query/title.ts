import { loadTitleOrNotFound } from '../../../kit/index.ts';
import { toTitle } from '../../mappers/title.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const title: QueryResolvers['title'] = async (_, { id }, { loaders, device }) => {
  const [title, viewer] = await Promise.all([loadTitleOrNotFound(loaders.titles, id), loaders.viewer()]);
  return toTitle(title, { viewer, device });
};
