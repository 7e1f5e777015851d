import { loadTitleOrNotFound } from '../../../kit/index.ts';
import { toTitleDetail } from '../../mappers/title-detail.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const title: QueryResolvers['title'] = async (_, { id }, { loaders, now }) =>
  toTitleDetail(await loadTitleOrNotFound(loaders.titles, id), now());
