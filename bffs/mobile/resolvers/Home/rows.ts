import { flagValue, loadRows, localize, withFailedRowsAsNull, type ContinueWatchingItem } from '../../../kit/index.ts';
import { continueWatchingItem, myListItem, newReleaseItem, topPickItem } from '../../mappers/row-item.ts';
import type { HomeResolvers, Row } from '../../generated/resolvers.generated.ts';
import type { MobileTitle } from '../../needs.ts';
import { ROW_LIMIT, homeSources } from '../../home-sources.ts';

/**
 * Three rows from three services (four for apps from 1.1.0, with the catalog's new releases),
 * fetched in parallel; their titles come in one catalog batch. A failed source turns only its
 * own row into null-with-error.
 */
export const rows: HomeResolvers['rows'] = async (_, __, context) => {
  const { loaders, now } = context;
  const [{ continueWatching, myList, recommendations: topPicks, newReleases }, viewer] = await Promise.all([
    homeSources(context),
    loaders.viewer().then((value) => ({ status: 'fulfilled' as const, value }), () => ({ status: 'rejected' as const })),
  ]);
  const byId = (id: string) => id;
  const loaded = await loadRows<MobileTitle>(loaders.titles, [
    { id: 'continue-watching', entries: continueWatching, contentIdOf: (e: ContinueWatchingItem) => e.contentId, limit: ROW_LIMIT },
    { id: 'my-list', entries: myList, contentIdOf: byId, limit: ROW_LIMIT },
    // The top-picks-size experiment (policy.ts MOBILE_FLAGS): 20 (control) or 12.
    { id: 'top-picks', entries: topPicks, contentIdOf: byId, limit: Math.min(ROW_LIMIT, flagValue(context, 'top-picks-size', ROW_LIMIT)) },
    ...(newReleases ? [{ id: 'new-releases', entries: newReleases, contentIdOf: byId, limit: ROW_LIMIT }] : []),
  ]);
  const localizer = await localize(context);
  const topPicksTitle = viewer.status === 'fulfilled' ? localizer.message('row.topPicksFor', { name: viewer.value.profile.name }) : localizer.message('row.topPicksForYou');

  return withFailedRowsAsNull(loaded.map((row): Row | Error => {
    if (row instanceof Error) return row;
    switch (row.id) {
      case 'continue-watching':
        return { id: row.id, title: localizer.message('row.continueWatching'), layout: 'LANDSCAPE', items: row.items.map(({ entry, title }) => continueWatchingItem(entry, title, localizer)) };
      case 'my-list':
        return { id: row.id, title: localizer.message('row.myList'), layout: 'PORTRAIT', items: row.items.map(({ title }) => myListItem(title)) };
      case 'new-releases':
        return { id: row.id, title: localizer.message('row.newReleases'), layout: 'SQUARE', items: row.items.map(({ title }) => newReleaseItem(title, now())) };
      default:
        return { id: row.id, title: topPicksTitle, layout: 'PORTRAIT', items: row.items.map(({ title }) => topPickItem(title, now())) };
    }
  }));
};
