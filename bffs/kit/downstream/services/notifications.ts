import type { CallContext, DownstreamHttp } from '../http-client.ts';

export const notificationsClient = (http: DownstreamHttp) => ({
  unreadCount: async (call: CallContext, userId: string) => {
    const { unreadCount } = await http.json<{ unreadCount: number }>(call, { route: '/notifications/:userId/unread-count', params: { userId } });
    return unreadCount;
  },
});

export type NotificationsClient = ReturnType<typeof notificationsClient>;
