import { loadRows, withFailedRowsAsNull, type ContinueWatchingItem } from '../../../kit/index.ts';
import { ROW_LIMIT, homeSources } from '../../home-sources.ts';
import { toRowItem } from '../../mappers/title.ts';
import type { HomeResolvers, ResolversTypes } from '../../generated/resolvers.generated.ts';
import type { TvTitle } from '../../needs.ts';

const TITLES: Record<string, string> = { 'continue-watching': 'Continue Watching', trending: 'Trending Now', 'my-list': 'My List' };

export const rows: HomeResolvers['rows'] = async (_, __, context) => {
  const sources = await homeSources(context);
  if (sources.viewer.status === 'rejected') throw sources.viewer.reason;
  const presentation = { viewer: sources.viewer.value, device: context.device };
  const byId = (id: string) => id;

  const loaded = await loadRows<TvTitle>(context.loaders.titles, [
    { id: 'continue-watching', entries: sources.continueWatching, contentIdOf: (e: ContinueWatchingItem) => e.contentId, limit: ROW_LIMIT },
    { id: 'trending', entries: sources.trending, contentIdOf: byId, limit: ROW_LIMIT },
    { id: 'my-list', entries: sources.myList, contentIdOf: byId, limit: ROW_LIMIT },
  ]);

  return withFailedRowsAsNull(
    loaded.map((row): ResolversTypes['Row'] | Error => {
      if (row instanceof Error) return row;
      const watching = row.id === 'continue-watching';
      return {
        id: row.id,
        title: TITLES[row.id]!,
        layout: 'LANDSCAPE',
        items: row.items.map(({ entry, title }) => toRowItem(title, presentation, watching ? (entry as ContinueWatchingItem) : undefined)),
      };
    }),
  );
};
