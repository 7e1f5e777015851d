import { flagValue, loadRows, localize, withFailedRowsAsNull, type ContinueWatchingItem, type Localizer } from '../../../kit/index.ts';
import { ROW_LIMIT, homeSources } from '../../home-sources.ts';
import { toRowItem } from '../../mappers/title.ts';
import type { HomeResolvers, ResolversTypes } from '../../generated/resolvers.generated.ts';
import type { WebTitle } from '../../needs.ts';

/** Each row's title in the catalogs (bffs/kit/locale/messages/). */
const TITLES: Record<string, Parameters<Localizer['message']>[0]> = {
  'continue-watching': 'row.continueWatching',
  'my-list': 'row.myList',
  'top-picks': 'row.topPicksForYou',
  trending: 'row.trending',
};

export const rows: HomeResolvers['rows'] = async (_, __, context) => {
  const [sources, localizer] = await Promise.all([homeSources(context), localize(context)]);
  const byId = (id: string) => id;
  const plans = [
    { id: 'continue-watching', entries: sources.continueWatching, contentIdOf: (e: ContinueWatchingItem) => e.contentId, limit: ROW_LIMIT },
    { id: 'my-list', entries: sources.myList, contentIdOf: byId, limit: ROW_LIMIT },
    { id: 'top-picks', entries: sources.recommendations, contentIdOf: byId, limit: ROW_LIMIT },
    { id: 'trending', entries: sources.trending, contentIdOf: byId, limit: ROW_LIMIT },
  ];
  // The row-order experiment (policy.ts WEB_FLAGS): trending-first moves Trending Now to the top.
  if (flagValue<string>(context, 'row-order', 'continue-first') === 'trending-first') plans.unshift(plans.pop()!);
  const loaded = await loadRows<WebTitle>(context.loaders.titles, plans);
  return withFailedRowsAsNull(
    loaded.map((row): ResolversTypes['Row'] | Error =>
      row instanceof Error ? row : { id: row.id, title: localizer.message(TITLES[row.id]!), items: row.items.map(({ title }) => toRowItem(title)) },
    ),
  );
};
