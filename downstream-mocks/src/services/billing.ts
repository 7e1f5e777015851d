import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { generateBilling } from '../data/billing.ts';
import { generateUser, userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function billingRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/billing/{userId}',
      ownerParam: 'userId',
      handler: ({ params }) => {
        const n = userNumber(params.userId!);
        if (n === undefined) throw notFound(`user ${params.userId} does not exist`);
        return generateBilling(seed, generateUser(seed, n));
      },
    },
  ];
}
