import type { DependencyMap } from '../kit/index.ts';

/** What each web field reads. Only the account page's identity fields are critical. */
export const WEB_DEPENDENCIES: DependencyMap = {
  'Home.hero': { services: ['recommendations', 'catalog'], critical: false },
  'Home.rows': { services: ['continue-watching', 'my-list', 'recommendations', 'catalog', 'users'], critical: false },
  'RowItem.averageRating': { services: ['reviews'], critical: false },
  'RowItem.progressPercent': { services: ['continue-watching'], critical: false },
  'RowItem.inMyList': { services: ['my-list'], critical: false },
  'Query.title': { services: ['catalog'], critical: false },
  'Title.averageRating': { services: ['reviews'], critical: false },
  'Title.reviews': { services: ['reviews'], critical: false },
  'Title.inMyList': { services: ['my-list'], critical: false },
  'Query.account': { services: ['users'], critical: true },
  'Account.billing': { services: ['billing'], critical: false },
  'Query.search': { services: ['search', 'catalog'], critical: true },
};
