import { perRequest } from '../kit/presentation/per-request.ts';
import { listsCutoff } from '../kit/resilience/cutoff.ts';
import type { MobileContext } from './needs.ts';

export const ROW_LIMIT = 20;

/** The lists mobile's home rows come from, fetched in parallel, each settled on its own by the cutoff. */
export const homeSources = perRequest(async (context: MobileContext) => {
  const { loaders, call } = context;
  const cutoff = listsCutoff(call.deadline, context.listsShare);
  const [continueWatching, myList, recommendations] = await Promise.all([
    cutoff.settle('continue-watching', loaders.continueWatching()),
    cutoff.settle('my-list', loaders.myList()),
    cutoff.settle('recommendations', loaders.recommendations(String(ROW_LIMIT))),
  ]);
  cutoff.done();
  return { continueWatching, myList, recommendations };
});
