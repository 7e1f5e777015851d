import { loadTitleOrNotFound } from '../../../kit/index.ts';
import { homeSources } from '../../home-sources.ts';
import { toHero } from '../../mappers/title.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

/** The first recommendation, in full. Null when there is none. */
export const hero: HomeResolvers['hero'] = async (_, __, context) => {
  const { recommendations, viewer } = await homeSources(context);
  if (recommendations.status === 'rejected') throw recommendations.reason;
  if (viewer.status === 'rejected') throw viewer.reason;
  const first = recommendations.value[0];
  if (!first) return null;
  return toHero(await loadTitleOrNotFound(context.loaders.titles, first), { viewer: viewer.value, device: context.device });
};
