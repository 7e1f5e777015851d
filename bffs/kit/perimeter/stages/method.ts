import { concierge } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

/**
 * GET (and HEAD, its body-less twin) is for queries only: a GET can be replayed by any link,
 * prefetched and cached, so a mutation sent by GET is refused (405, `Allow: POST`) before it runs.
 */
export const methodStage: Stage = ({ request, operation }) => {
  if (request.method === 'POST') return;
  if (request.method !== 'GET' && request.method !== 'HEAD') throw concierge('METHOD_NOT_ALLOWED', `${request.method} is not served; use GET, HEAD or POST.`, {}, { headers: { allow: 'GET, HEAD, POST' } });
  if (operation!.kind === 'mutation') throw concierge('METHOD_NOT_ALLOWED', 'Mutations must be sent with POST.', {}, { headers: { allow: 'POST' } });
};
