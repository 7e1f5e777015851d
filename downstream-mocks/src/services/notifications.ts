import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { Reply } from '../http/server.ts';
import { requireObject } from '../http/validate.ts';
import { generateUnreadCount } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import { eventRoutes } from '../events/index.ts';
import type { ServiceDeps } from './context.ts';

export const MAX_NOTIFICATION_LENGTH = 500;

/**
 * Each user's unread count lives in this process, generated on first touch. A new notification
 * adds one, reading them all sets it to 0; every change publishes `{userId, unreadCount, at}`
 * before the answer is sent. The notifications' texts are validated, not kept: no route lists them.
 */
export function notificationsRoutes({ seed, events }: ServiceDeps): RouteDefinition[] {
  const log = events.logOf('notifications');
  const counts = new Map<string, { unreadCount: number; lastNotificationAt: string | null }>();
  const countOf = (userId: string) => {
    if (userNumber(userId) === undefined) throw notFound(`user ${userId} does not exist`);
    let count = counts.get(userId);
    if (!count) counts.set(userId, (count = generateUnreadCount(seed, userId)));
    return count;
  };

  return [
    {
      method: 'GET',
      path: '/notifications/{userId}/unread-count',
      ownerParam: 'userId',
      handler: ({ params }) => ({ userId: params.userId, ...countOf(params.userId!) }),
    },
    {
      method: 'POST',
      path: '/notifications/{userId}',
      ownerParam: 'userId',
      handler: async ({ params, body, now }) => {
        const userId = params.userId!;
        const count = countOf(userId);
        const { text } = requireObject(body);
        if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_NOTIFICATION_LENGTH) {
          throw badRequest('VALIDATION_FAILED', `text must be a non-blank string of at most ${MAX_NOTIFICATION_LENGTH} characters`);
        }
        count.unreadCount += 1;
        count.lastNotificationAt = now().toISOString();
        await log.append({ userId, unreadCount: count.unreadCount });
        return new Reply(201, { userId, ...count });
      },
    },
    {
      method: 'POST',
      path: '/notifications/{userId}/read',
      ownerParam: 'userId',
      handler: async ({ params }) => {
        const userId = params.userId!;
        const count = countOf(userId);
        const changed = count.unreadCount > 0;
        if (changed) {
          count.unreadCount = 0;
          count.lastNotificationAt = null; // as for a seeded user with nothing unread
          await log.append({ userId, unreadCount: 0 });
        }
        return { userId, ...count, changed };
      },
    },
    ...eventRoutes(log, events.settings),
  ];
}
