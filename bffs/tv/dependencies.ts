import type { DependencyMap } from '../kit/index.ts';

/** What each TV field reads. The profile (and the entitlements behind badges) is critical. */
export const TV_DEPENDENCIES: DependencyMap = {
  'Home.profile': { services: ['users'], critical: true },
  'Home.ambientModeEnabled': { services: ['users'], critical: true },
  'Home.hero': { services: ['recommendations', 'catalog', 'users'], critical: false },
  'Home.rows': { services: ['continue-watching', 'my-list', 'recommendations', 'catalog', 'users'], critical: false },
  'RowItem.drmLicenseUrl': { services: ['playback'], critical: false },
  'Query.title': { services: ['catalog', 'users'], critical: false },
};
