import type { components } from '../types/continue-watching.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type ContinueWatchingItem = components['schemas']['ContinueWatchingItem'];

export const continueWatchingClient = (http: DownstreamHttp) => ({
  forUser: async (call: CallContext, userId: string) => {
    const { items } = await http.json<{ items: ContinueWatchingItem[] }>(call, { route: '/continue-watching/:userId', params: { userId } });
    return items;
  },
});

export type ContinueWatchingClient = ReturnType<typeof continueWatchingClient>;
