import { Random, isoInstant } from './random.ts';
import { FIRST_NAMES, PROSE } from './words.ts';
import { USER_COUNT } from './users.ts';

export interface Review {
  id: string;
  titleId: string;
  userId: string;
  authorName: string;
  rating: number;
  headline: string;
  body: string;
  containsSpoilers: boolean;
  helpfulCount: number;
  createdAt: string;
}

/** 0 to 200 reviews per title, newest first. Generated per title on demand and kept. */
export class ReviewStore {
  private readonly byTitle = new Map<string, Review[]>();

  constructor(private readonly seed: number) {}

  forTitle(titleId: string): Review[] {
    let reviews = this.byTitle.get(titleId);
    if (!reviews) {
      const r = new Random(this.seed, `reviews:${titleId}`);
      const count = r.chance(0.1) ? 0 : r.int(1, 200);
      reviews = Array.from({ length: count }, (_, i) => ({
        id: `r_${titleId.slice(2)}_${i + 1}`,
        titleId,
        userId: `u_${r.int(1, USER_COUNT)}`,
        authorName: r.pick(FIRST_NAMES),
        rating: r.int(1, 5),
        headline: r.sentence(PROSE, 3, 6),
        body: r.sentence(PROSE, 15, 40),
        containsSpoilers: r.chance(0.1),
        helpfulCount: r.int(0, 300),
        createdAt: isoInstant(r.pastDate(0, 1000)),
      })).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
      this.byTitle.set(titleId, reviews);
    }
    return reviews;
  }

  summary(titleId: string): { titleId: string; averageRating: number | null; count: number } {
    const reviews = this.forTitle(titleId);
    if (reviews.length === 0) return { titleId, averageRating: null, count: 0 };
    const sum = reviews.reduce((total, review) => total + review.rating, 0);
    return { titleId, averageRating: Math.round((sum / reviews.length) * 100) / 100, count: reviews.length };
  }
}
