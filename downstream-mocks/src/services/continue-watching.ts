import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { RawJson } from '../http/server.ts';
import { generateContinueWatching } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import { memoByKey } from '../data/memo.ts';
import type { ServiceDeps } from './context.ts';

export function continueWatchingRoutes({ seed, titles }: ServiceDeps): RouteDefinition[] {
  // Generated once per user: the list reads 3 to 25 titles to know their runtimes and seasons.
  const answerFor = memoByKey(
    (userId) => new RawJson(JSON.stringify({ userId, items: generateContinueWatching(seed, titles, userId) })),
  );
  return [
    {
      method: 'GET',
      path: '/continue-watching/{userId}',
      ownerParam: 'userId',
      handler: ({ params }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        return answerFor(params.userId!);
      },
    },
  ];
}
