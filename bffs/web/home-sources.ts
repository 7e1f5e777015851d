import { perRequest } from '../kit/presentation/per-request.ts';
import type { WebContext } from './needs.ts';

export const ROW_LIMIT = 20;

/**
 * Everything web's home reads before it loads titles, in parallel and once per request. Hero
 * and rows wait on this one promise, so their titles share one catalog batch.
 */
export const homeSources = perRequest(async ({ loaders }: WebContext) => {
  const viewer = loaders.viewer();
  const [continueWatching, myList, recommendations, trending] = await Promise.allSettled([
    loaders.continueWatching(),
    loaders.myList(),
    loaders.recommendations(String(ROW_LIMIT)),
    viewer.then((v) => loaders.trending(v.profile.country)),
  ]);
  return { continueWatching, myList, recommendations, trending };
});
