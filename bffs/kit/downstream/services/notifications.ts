import type { CallContext, DownstreamHttp } from '../http-client.ts';

export const notificationsClient = (http: DownstreamHttp) => ({
  unreadCount: async (call: CallContext, userId: string) => {
    const { unreadCount } = await http.json<{ unreadCount: number }>(call, { path: `/notifications/${encodeURIComponent(userId)}/unread-count`, route: '/notifications/:userId/unread-count' });
    return unreadCount;
  },
});

export type NotificationsClient = ReturnType<typeof notificationsClient>;
