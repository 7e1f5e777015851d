import type { TitleStore } from '../data/titles.ts';
import type { ReviewStore } from '../data/reviews.ts';

/** What every service's routes are built from: the seed, shared lazy stores and the environment. */
export interface ServiceDeps {
  seed: number;
  titles: TitleStore;
  reviews: ReviewStore;
  env: NodeJS.ProcessEnv;
  /** The identity service's public URL, used as the token issuer. */
  identityUrl: () => string;
}
