import { perRequest } from '../kit/presentation/per-request.ts';
import type { TvContext } from './needs.ts';

export const ROW_LIMIT = 40;

/**
 * Everything TV's home reads before it loads titles, fetched in parallel and memoized per
 * request. Hero and rows both wait on this one promise, so their title loads share one batch.
 */
export const homeSources = perRequest(async ({ loaders }: TvContext) => {
  const viewer = loaders.viewer();
  const [continueWatching, myList, recommendations, trending, presentationViewer] = await Promise.allSettled([
    loaders.continueWatching(),
    loaders.myList(),
    loaders.recommendations('1'),
    viewer.then((v) => loaders.trending(v.profile.country)),
    viewer,
  ]);
  return { continueWatching, myList, recommendations, trending, viewer: presentationViewer };
});
