import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { RawJson } from '../http/server.ts';
import { parseFields } from '../http/validate.ts';
import { EntityCache } from '../data/entity-cache.ts';
import { generateUser, userNumber } from '../data/users.ts';
import type { ServiceDeps } from './context.ts';

export function usersRoutes({ seed }: ServiceDeps): RouteDefinition[] {
  const users = new EntityCache((n) => generateUser(seed, n));
  const fieldNames = new Set(Object.keys(users.get(1)));
  return [
    {
      method: 'GET',
      path: '/users/{id}',
      ownerParam: 'id',
      handler: ({ params, query }) => {
        const fields = parseFields(query.get('fields') ?? undefined, fieldNames);
        const n = userNumber(params.id!);
        if (n === undefined) throw notFound(`user ${params.id} does not exist`);
        return new RawJson(users.json(n, fields));
      },
    },
  ];
}
