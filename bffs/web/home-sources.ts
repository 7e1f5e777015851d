import { perRequest, listsCutoff } from '../kit/index.ts';
import type { WebContext } from './needs.ts';

export const ROW_LIMIT = 20;

/**
 * Everything web's home reads before it loads titles, in parallel and once per request. Hero
 * and rows wait on this one promise, so their titles share one catalog batch.
 */
export const homeSources = perRequest(async ({ loaders, call, listsShare }: WebContext) => {
  const cutoff = listsCutoff(call.deadline, listsShare);
  const [continueWatching, myList, recommendations, trending] = await Promise.all([
    cutoff.settle('continue-watching', loaders.continueWatching()),
    cutoff.settle('my-list', loaders.myList()),
    cutoff.settle('recommendations', loaders.recommendations(String(ROW_LIMIT))),
    cutoff.settle('recommendations', loaders.viewer().then((v) => loaders.trending(v.profile.country))),
  ]);
  cutoff.done();
  return { continueWatching, myList, recommendations, trending };
});
