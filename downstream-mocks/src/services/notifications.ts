import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { generateUnreadCount } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function notificationsRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/notifications/{userId}/unread-count',
      ownerParam: 'userId',
      handler: ({ params }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        return { userId: params.userId, ...generateUnreadCount(seed, params.userId!) };
      },
    },
  ];
}
