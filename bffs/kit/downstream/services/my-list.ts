import type { CallContext, DownstreamHttp } from '../http-client.ts';

export interface MyListChange {
  contentId: string;
  inList: boolean;
  changed: boolean;
}

const itemPath = (userId: string, contentId: string) => `/my-list/${encodeURIComponent(userId)}/${encodeURIComponent(contentId)}`;
const ITEM_ROUTE = '/my-list/:userId/:contentId';

export const myListClient = (http: DownstreamHttp) => ({
  get: async (call: CallContext, userId: string) => {
    const { contentIds } = await http.json<{ contentIds: string[] }>(call, { path: `/my-list/${encodeURIComponent(userId)}`, route: '/my-list/:userId' });
    return contentIds;
  },
  /** Idempotent on the service side, so a retried add never duplicates. */
  add: (call: CallContext, userId: string, contentId: string) =>
    http.json<MyListChange>(call, { method: 'PUT', path: itemPath(userId, contentId), route: ITEM_ROUTE }),
  remove: (call: CallContext, userId: string, contentId: string) =>
    http.json<MyListChange>(call, { method: 'DELETE', path: itemPath(userId, contentId), route: ITEM_ROUTE }),
});

export type MyListClient = ReturnType<typeof myListClient>;
