import { progressPercent as percent } from '../../../kit/index.ts';
import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

export const progressPercent: RowItemResolvers['progressPercent'] = async (item, _, { loaders }) => {
  const watching = (await loaders.continueWatching()).find((entry) => entry.contentId === item.id);
  return watching ? percent(watching.progressSeconds, watching.totalSeconds) : null;
};
