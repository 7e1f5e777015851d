import type { components } from '../types/recommendations.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type RankedItem = components['schemas']['RankedItem'];

export const recommendationsClient = (http: DownstreamHttp) => ({
  /** Ranked ids for the viewer; `limit` keeps the service from sending all 500 when a screen shows 20. */
  forUser: async (call: CallContext, userId: string, limit: number) => {
    const { items } = await http.json<{ items: RankedItem[] }>(call, { route: '/recommendations/:userId', params: { userId }, query: { limit } });
    return items.map((item) => item.contentId);
  },
  trending: async (call: CallContext, region: string) => {
    const { items } = await http.json<{ items: RankedItem[] }>(call, { route: '/trending', query: { region } });
    return items.map((item) => item.contentId);
  },
});

export type RecommendationsClient = ReturnType<typeof recommendationsClient>;
