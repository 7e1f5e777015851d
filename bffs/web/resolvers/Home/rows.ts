import { loadRows, withFailedRowsAsNull, type ContinueWatchingItem } from '../../../kit/index.ts';
import { ROW_LIMIT, homeSources } from '../../home-sources.ts';
import { toRowItem } from '../../mappers/title.ts';
import type { HomeResolvers, ResolversTypes } from '../../generated/resolvers.generated.ts';
import type { WebTitle } from '../../needs.ts';

const TITLES: Record<string, string> = {
  'continue-watching': 'Continue Watching',
  'my-list': 'My List',
  'top-picks': 'Top Picks for You',
  trending: 'Trending Now',
};

export const rows: HomeResolvers['rows'] = async (_, __, context) => {
  const sources = await homeSources(context);
  const byId = (id: string) => id;
  const loaded = await loadRows<WebTitle>(context.loaders.titles, [
    { id: 'continue-watching', entries: sources.continueWatching, contentIdOf: (e: ContinueWatchingItem) => e.contentId, limit: ROW_LIMIT },
    { id: 'my-list', entries: sources.myList, contentIdOf: byId, limit: ROW_LIMIT },
    { id: 'top-picks', entries: sources.recommendations, contentIdOf: byId, limit: ROW_LIMIT },
    { id: 'trending', entries: sources.trending, contentIdOf: byId, limit: ROW_LIMIT },
  ]);
  return withFailedRowsAsNull(
    loaded.map((row): ResolversTypes['Row'] | Error =>
      row instanceof Error ? row : { id: row.id, title: TITLES[row.id]!, items: row.items.map(({ title }) => toRowItem(title)) },
    ),
  );
};
