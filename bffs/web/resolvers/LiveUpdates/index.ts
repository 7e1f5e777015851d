import type { LiveUpdatesResolvers } from '../../generated/resolvers.generated.ts';
import { toMyListEvent, toNotificationsEvent, toProgressEvent } from '../../mappers/live-events.ts';

/**
 * Each subscription follows the viewer's events of the service that owns the data (the kit's
 * live events: replayed after `after`, then live), and maps each to its GraphQL type. The viewer
 * is the one the perimeter let in: `live` is bound to them.
 */
export const LiveUpdates: LiveUpdatesResolvers = {
  myListChanged: {
    subscribe: (_, { after }, { live }) => live.follow('my-list', after ?? undefined),
    resolve: toMyListEvent,
  },
  progressChanged: {
    subscribe: (_, { after }, { live }) => live.follow('continue-watching', after ?? undefined),
    resolve: toProgressEvent,
  },
  notificationsChanged: {
    subscribe: (_, { after }, { live }) => live.follow('notifications', after ?? undefined),
    resolve: toNotificationsEvent,
  },
};
