import type { DependencyMap } from '../kit/index.ts';

/** What each mobile field reads. Only the profile is critical: home is not drawn without it. */
export const MOBILE_DEPENDENCIES: DependencyMap = {
  'Home.profile': { services: ['users'], critical: true },
  'Home.downloadEnabled': { services: ['users'], critical: true },
  'Home.unreadNotificationCount': { services: ['notifications'], critical: false },
  'Home.rows': { services: ['continue-watching', 'my-list', 'recommendations', 'catalog'], critical: false },
  'Query.title': { services: ['catalog'], critical: false },
  'TitleDetail.inMyList': { services: ['my-list'], critical: false },
};
