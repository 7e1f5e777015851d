import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const unreadNotificationCount: HomeResolvers['unreadNotificationCount'] = (_, __, { loaders }) =>
  loaders.unreadNotifications();
