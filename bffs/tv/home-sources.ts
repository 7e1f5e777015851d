import { perRequest, listsCutoff } from '../kit/index.ts';
import type { TvContext } from './needs.ts';

export const ROW_LIMIT = 40;

/**
 * Everything TV's home reads before it loads titles, fetched in parallel, each settled on its
 * own by the lists cutoff, and memoized per request. Hero and rows both wait on this one promise, so their title loads share one batch.
 */
export const homeSources = perRequest(async ({ loaders, call, listsShare }: TvContext) => {
  const cutoff = listsCutoff(call.deadline, listsShare);
  const viewer = loaders.viewer();
  const [continueWatching, myList, recommendations, trending, presentationViewer] = await Promise.all([
    cutoff.settle('continue-watching', loaders.continueWatching()),
    cutoff.settle('my-list', loaders.myList()),
    cutoff.settle('recommendations', loaders.recommendations('1')),
    cutoff.settle('recommendations', viewer.then((v) => loaders.trending(v.profile.country))),
    cutoff.settle('users', viewer),
  ]);
  cutoff.done();
  return { continueWatching, myList, recommendations, trending, viewer: presentationViewer };
});
