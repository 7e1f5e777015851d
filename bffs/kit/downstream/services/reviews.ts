import type { components } from '../types/reviews.generated.ts';
import type { CallContext, DownstreamHttp } from '../http-client.ts';

export type Review = components['schemas']['Review'];
export type ReviewSummary = components['schemas']['ReviewSummary'];

export const SUMMARY_BATCH_LIMIT = 100;

interface ReviewPage {
  items: Review[];
  total: number;
  nextCursor: string | null;
}

export const reviewsClient = (http: DownstreamHttp) => ({
  list: (call: CallContext, params: { titleId: string; limit: number; cursor?: string }) =>
    http.json<ReviewPage>(call, { route: '/reviews', query: params }),
  /** In the order asked, `null` for unknown titles. */
  summaries: async (call: CallContext, titleIds: readonly string[]) => {
    const { summaries } = await http.json<{ summaries: (ReviewSummary | null)[] }>(call, {
      method: 'POST',
      idempotent: true, // a read that needs a body, safe to repeat
      route: '/reviews/summaries',
      body: { titleIds },
    });
    return summaries;
  },
});

export type ReviewsClient = ReturnType<typeof reviewsClient>;
