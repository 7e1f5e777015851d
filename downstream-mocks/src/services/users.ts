import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { parseFields, pickFields } from '../http/validate.ts';
import { generateUser, userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function usersRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  const fieldNames = new Set(Object.keys(generateUser(seed, 1)));
  return [
    {
      method: 'GET',
      path: '/users/{id}',
      ownerParam: 'id',
      handler: ({ params, query }) => {
        const fields = parseFields(query.get('fields') ?? undefined, fieldNames);
        const n = userNumber(params.id!);
        if (n === undefined) throw notFound(`user ${params.id} does not exist`);
        return pickFields(generateUser(seed, n), fields);
      },
    },
  ];
}
