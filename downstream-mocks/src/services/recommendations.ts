import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { parseLimit } from '../http/validate.ts';
import { generateRecommendations, generateTrending, RECOMMENDATIONS_PER_USER } from '../data/recommendations.ts';
import { userNumber } from '../data/users.ts';
import { memoByKey } from '../data/memo.ts';
import type { ServiceDeps } from './context.ts';

export function recommendationsRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  // Ranked once per user and region: 500 distinct draws are cheap, but not free on every call.
  const ranked = memoByKey((userId) => generateRecommendations(seed, userId));
  const trending = memoByKey((region) => generateTrending(seed, region));
  return [
    {
      method: 'GET',
      path: '/recommendations/{userId}',
      ownerParam: 'userId',
      handler: ({ params, query }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        const limit = parseLimit(query.get('limit'), RECOMMENDATIONS_PER_USER, RECOMMENDATIONS_PER_USER);
        return { userId: params.userId, algorithm: 'hybrid-v7', items: ranked(params.userId!).slice(0, limit) };
      },
    },
    {
      method: 'GET',
      path: '/trending',
      handler: ({ query }) => {
        const region = query.get('region') ?? 'US';
        if (!/^[A-Z]{2}$/.test(region)) throw badRequest('VALIDATION_FAILED', 'region must be a two-letter country code');
        return { region, items: trending(region) };
      },
    },
  ];
}
