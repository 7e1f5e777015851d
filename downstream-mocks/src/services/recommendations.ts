import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { parseLimit } from '../http/validate.ts';
import { generateRecommendations, generateTrending, RECOMMENDATIONS_PER_USER } from '../data/recommendations.ts';
import { userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function recommendationsRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  // Ranked once per user and region: 500 distinct draws are cheap, but not free on every call.
  const ranked = new Map<string, ReturnType<typeof generateRecommendations>>();
  const trending = new Map<string, ReturnType<typeof generateTrending>>();
  const memo = <T>(cache: Map<string, T>, key: string, make: () => T) => {
    let value = cache.get(key);
    if (!value) cache.set(key, (value = make()));
    return value;
  };
  return [
    {
      method: 'GET',
      path: '/recommendations/{userId}',
      ownerParam: 'userId',
      handler: ({ params, query }) => {
        if (userNumber(params.userId!) === undefined) throw notFound(`user ${params.userId} does not exist`);
        const limit = parseLimit(query.get('limit'), RECOMMENDATIONS_PER_USER, RECOMMENDATIONS_PER_USER);
        return { userId: params.userId, algorithm: 'hybrid-v7', items: memo(ranked, params.userId!, () => generateRecommendations(seed, params.userId!)).slice(0, limit) };
      },
    },
    {
      method: 'GET',
      path: '/trending',
      handler: ({ query }) => {
        const region = query.get('region') ?? 'US';
        if (!/^[A-Z]{2}$/.test(region)) throw badRequest('VALIDATION_FAILED', 'region must be a two-letter country code');
        return { region, items: memo(trending, region, () => generateTrending(seed, region)) };
      },
    },
  ];
}
