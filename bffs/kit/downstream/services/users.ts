import type { components } from '../types/users.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type User = components['schemas']['User'];
export type UserField = keyof User;

export const usersClient = (http: DownstreamHttp) => ({
  /** Sparse: asks only for `fields` (plus `id`), so a BFF never downloads the billing address it would drop. */
  get: <F extends UserField>(call: CallContext, id: string, fields: readonly F[]) =>
    http.json<Pick<User, F | 'id'>>(call, { route: '/users/:id', params: { id }, query: { fields: fields.join(',') } }),
});

export type UsersClient = ReturnType<typeof usersClient>;
