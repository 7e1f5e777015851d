import { loadRows, withFailedRowsAsNull, type ContinueWatchingItem } from '../../../kit/index.ts';
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
    { id: 'top-picks', entries: topPicks, contentIdOf: byId, limit: ROW_LIMIT },
    ...(newReleases ? [{ id: 'new-releases', entries: newReleases, contentIdOf: byId, limit: ROW_LIMIT }] : []),
  ]);
  const name = viewer.status === 'fulfilled' ? viewer.value.profile.name : 'You';

  return withFailedRowsAsNull(loaded.map((row): Row | Error => {
    if (row instanceof Error) return row;
    switch (row.id) {
      case 'continue-watching':
        return { id: row.id, title: 'Continue Watching', layout: 'LANDSCAPE', items: row.items.map(({ entry, title }) => continueWatchingItem(entry, title)) };
      case 'my-list':
        return { id: row.id, title: 'My List', layout: 'PORTRAIT', items: row.items.map(({ title }) => myListItem(title)) };
      case 'new-releases':
        return { id: row.id, title: 'New Releases', layout: 'SQUARE', items: row.items.map(({ title }) => newReleaseItem(title, now())) };
      default:
        return { id: row.id, title: `Top Picks for ${name}`, layout: 'PORTRAIT', items: row.items.map(({ title }) => topPickItem(title, now())) };
    }
  }));
};
