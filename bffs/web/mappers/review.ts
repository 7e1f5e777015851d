import type { Review as DownstreamReview } from '../../kit/index.ts';
import type { Review } from '../generated/resolvers.generated.ts';

export const toReview = (review: DownstreamReview): Review => ({
  id: review.id,
  authorName: review.authorName,
  rating: review.rating,
  headline: review.headline,
  body: review.body,
  containsSpoilers: review.containsSpoilers,
  createdAt: review.createdAt,
});
