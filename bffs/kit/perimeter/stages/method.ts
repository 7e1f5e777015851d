import { concierge } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

/**
 * GET is for queries only: a GET can be replayed by any link, prefetched and cached, so a
 * mutation sent by GET is refused (405, `Allow: POST`) before it runs.
 */
export const methodStage: Stage = ({ request, operation }) => {
  if (request.method === 'POST') return;
  if (request.method !== 'GET') throw concierge('METHOD_NOT_ALLOWED', `${request.method} is not served; use GET or POST.`, {}, { headers: { allow: 'GET, POST' } });
  if (operation!.kind === 'mutation') throw concierge('METHOD_NOT_ALLOWED', 'Mutations must be sent with POST.', {}, { headers: { allow: 'POST' } });
};
