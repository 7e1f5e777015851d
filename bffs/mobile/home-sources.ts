import { perRequest, newReleasesSince, listsCutoff } from '../kit/index.ts';
import type { MobileContext } from './needs.ts';

export const ROW_LIMIT = 20;

/**
 * The lists mobile's home rows come from, fetched in parallel, each settled on its own by the
 * cutoff. New releases only for apps that can draw their SQUARE tiles (1.1.0 on): an older app
 * would never be sent the row, so it costs no call.
 */
export const homeSources = perRequest(async (context: MobileContext) => {
  const { loaders, call, client } = context;
  const cutoff = listsCutoff(call.deadline, context.listsShare);
  const [continueWatching, myList, recommendations, newReleases] = await Promise.all([
    cutoff.settle('continue-watching', loaders.continueWatching()),
    cutoff.settle('my-list', loaders.myList()),
    cutoff.settle('recommendations', loaders.recommendations(String(ROW_LIMIT))),
    client.sees('RowLayout.SQUARE') ? cutoff.settle('catalog', loaders.newReleases(newReleasesSince(context.now()), ROW_LIMIT)) : undefined,
  ]);
  cutoff.done();
  return { continueWatching, myList, recommendations, newReleases };
});
