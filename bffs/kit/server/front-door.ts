import type { Observer } from '../observability/observer.ts';
import type { NodeListener } from '../core/node-listener.ts';
import { lastResort, requestIdOf, sendCatalogError } from './last-resort.ts';
import { normalizeRequestTarget } from './request-target.ts';

/**
 * What every request meets first, whichever transport serves it: its `Host` and target checked
 * and an absolute-form target brought to origin-form (request-target.ts), a bad one answered 400
 * from the catalog and counted; then the transport, with the last resort around it for anything
 * it throws before its own handlers catch (last-resort.ts).
 */
export function frontDoor(transport: NodeListener, observer: Observer, name: 'fast_lane' | 'yoga'): NodeListener {
  return (req, res) => {
    const refused = normalizeRequestTarget(req);
    if (refused) {
      const requestId = requestIdOf(req);
      observer.refusedAtDoor(refused.code, req.method, requestId);
      req.resume(); // a body, if any, is drained: the connection stays usable
      return sendCatalogError(req, res, refused.code, refused.message, requestId);
    }
    try {
      transport(req, res);
    } catch (error) {
      lastResort(error, req, res, observer, name);
    }
  };
}
