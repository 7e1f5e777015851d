import { loadTitleOrNotFound } from '../../../kit/index.ts';
import { homeSources } from '../../home-sources.ts';
import { toHero } from '../../mappers/title.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const hero: HomeResolvers['hero'] = async (_, __, context) => {
  const { recommendations } = await homeSources(context);
  if (recommendations.status === 'rejected') throw recommendations.reason;
  const first = recommendations.value[0];
  return first ? toHero(await loadTitleOrNotFound(context.loaders.titles, first)) : null;
};
