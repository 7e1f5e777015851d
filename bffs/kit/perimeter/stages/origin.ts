import { concierge } from '../../errors.ts';
import type { CorsPolicy } from '../cors.ts';
import type { ScreenStage } from '../pipeline.ts';

/**
 * Browsers send `Origin` on every cross-origin request, and on a "simple" one (a form post, a
 * text/plain fetch) they send it without asking first: CORS headers alone would only hide the
 * answer from the page, after the mutation had run. So a request from an origin the client does
 * not serve is refused here, before anything executes (CSRF), and CORS (cors.ts) never invites it.
 */
export function originStage(cors: CorsPolicy): ScreenStage {
  return ({ request: { headers } }) => {
    const origin = headers.get('origin');
    if (origin === null || cors.allows(origin, headers.get('host'))) return;
    throw concierge('ORIGIN_NOT_ALLOWED', `This BFF does not serve browser pages from ${JSON.stringify(origin.slice(0, 100))}.`);
  };
}
