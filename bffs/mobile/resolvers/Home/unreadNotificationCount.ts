import { staleIfError } from '../../../kit/index.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

/** The viewer's last good count if notifications fails: a badge a few minutes old beats none. */
export const unreadNotificationCount: HomeResolvers['unreadNotificationCount'] = staleIfError(
  () => '',
  (_, __, { loaders }) => loaders.unreadNotifications(),
);
