import { loadRows, localize, withFailedRowsAsNull, type ContinueWatchingItem, type Localizer } from '../../../kit/index.ts';
import { ROW_LIMIT, homeSources } from '../../home-sources.ts';
import { toRowItem } from '../../mappers/title.ts';
import type { HomeResolvers, ResolversTypes } from '../../generated/resolvers.generated.ts';
import type { TvTitle } from '../../needs.ts';

/** Each row's title in the catalogs (bffs/kit/locale/messages/). */
const TITLES: Record<string, Parameters<Localizer['message']>[0]> = { 'continue-watching': 'row.continueWatching', trending: 'row.trending', 'my-list': 'row.myList' };

export const rows: HomeResolvers['rows'] = async (_, __, context) => {
  const [sources, localizer] = await Promise.all([homeSources(context), localize(context)]);
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
        title: localizer.message(TITLES[row.id]!),
        layout: 'LANDSCAPE',
        items: row.items.map(({ entry, title }) => toRowItem(title, presentation, watching ? (entry as ContinueWatchingItem) : undefined)),
      };
    }),
  );
};
