import { loadTitleOrNotFound } from '../../../kit/index.ts';
import { toTitle } from '../../mappers/title.ts';
import type { WebTitleDetail } from '../../needs.ts';
import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

export const title: QueryResolvers['title'] = async (_, { id }, { loaders }) =>
  toTitle((await loadTitleOrNotFound(loaders.titleDetails, id)) as WebTitleDetail);
