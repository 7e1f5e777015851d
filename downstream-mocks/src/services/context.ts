import type { TitleStore } from '../data/titles.ts';
import type { ReviewStore } from '../data/reviews.ts';
import type { EventLogs } from '../events/index.ts';

/** What every service's routes are built from: the seed, shared lazy stores and the environment. */
export interface ServiceDeps {
  seed: number;
  titles: TitleStore;
  reviews: ReviewStore;
  env: NodeJS.ProcessEnv;
  /** Where my-list, continue-watching and notifications publish their changes. */
  events: EventLogs;
  /** The identity service's public URL, used as the token issuer. */
  identityUrl: () => string;
}
