import { Random } from './random.ts';
import { TITLE_COUNT, titleIdOf } from './titles.ts';

export const RECOMMENDATIONS_PER_USER = 500;
export const TRENDING_SIZE = 100;

export interface RankedItem {
  contentId: string;
  rank: number;
  score: number;
  reason: string;
}

const REASONS = ['because-you-watched', 'popular-in-your-region', 'new-release', 'similar-taste'];

/** `count` distinct titles in a deterministic order; 10,000 titles make rejection sampling cheap. */
function rankedTitles(r: Random, count: number): RankedItem[] {
  const seen = new Set<number>();
  const items: RankedItem[] = [];
  while (items.length < count) {
    const n = r.int(1, TITLE_COUNT);
    if (seen.has(n)) continue;
    seen.add(n);
    const rank = items.length + 1;
    items.push({ contentId: titleIdOf(n), rank, score: Math.round((1 - rank / (count + 1)) * 1e4) / 1e4, reason: r.pick(REASONS) });
  }
  return items;
}

export const generateRecommendations = (seed: number, userId: string) =>
  rankedTitles(new Random(seed, `recommendations:${userId}`), RECOMMENDATIONS_PER_USER);

export const generateTrending = (seed: number, region: string) =>
  rankedTitles(new Random(seed, `trending:${region}`), TRENDING_SIZE);
