import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { parseLimit } from '../http/validate.ts';
import { generateRecommendations, generateTrending, RECOMMENDATIONS_PER_USER } from '../data/recommendations.ts';
import { userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function recommendationsRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/recommendations/{userId}',
      ownerParam: 'userId',
      handler: ({ params, query }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        const limit = parseLimit(query.get('limit'), RECOMMENDATIONS_PER_USER, RECOMMENDATIONS_PER_USER);
        return { userId: params.userId, algorithm: 'hybrid-v7', items: generateRecommendations(seed, params.userId!).slice(0, limit) };
      },
    },
    {
      method: 'GET',
      path: '/trending',
      handler: ({ query }) => {
        const region = query.get('region') ?? 'US';
        if (!/^[A-Z]{2}$/.test(region)) throw badRequest('VALIDATION_FAILED', 'region must be a two-letter country code');
        return { region, items: generateTrending(seed, region) };
      },
    },
  ];
}
