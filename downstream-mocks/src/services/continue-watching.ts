import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { generateContinueWatching } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function continueWatchingRoutes({ seed, titles }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/continue-watching/{userId}',
      ownerParam: 'userId',
      handler: ({ params }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        return { userId: params.userId, items: generateContinueWatching(seed, titles, params.userId!) };
      },
    },
  ];
}
