import type { CallContext, DownstreamHttp } from '../http-client.ts';

export interface MyListChange {
  contentId: string;
  inList: boolean;
  changed: boolean;
}

const ITEM_ROUTE = '/my-list/:userId/:contentId';

export const myListClient = (http: DownstreamHttp) => ({
  get: async (call: CallContext, userId: string) => {
    const { contentIds } = await http.json<{ contentIds: string[] }>(call, { route: '/my-list/:userId', params: { userId } });
    return contentIds;
  },
  /** Idempotent on the service side, so a retried add never duplicates. */
  add: (call: CallContext, userId: string, contentId: string) =>
    http.json<MyListChange>(call, { method: 'PUT', route: ITEM_ROUTE, params: { userId, contentId } }),
  remove: (call: CallContext, userId: string, contentId: string) =>
    http.json<MyListChange>(call, { method: 'DELETE', route: ITEM_ROUTE, params: { userId, contentId } }),
});

export type MyListClient = ReturnType<typeof myListClient>;
