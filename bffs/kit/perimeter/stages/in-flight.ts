import { concierge } from '../../errors.ts';
import type { InFlightCounts } from '../in-flight.ts';
import type { Passage, ScreenStage } from '../pipeline.ts';

export type InFlightLimit = 'viewer' | 'ip';

const WHO: Record<InFlightLimit, string> = { viewer: 'This viewer', ip: 'This client address' };

/**
 * A fair share of the replica's in-flight work: the viewer (or the client address) takes one of
 * its `max` slots for as long as the request is in flight, and the request gives it back when
 * its answer is out (the lifecycle calls `release()`; a refused request's slots come back at
 * once). Past `max`, 429 TOO_MANY_IN_FLIGHT with Retry-After, before any budget is spent and any
 * service called. The bulkheads and the load shedder behind the perimeter are shared by
 * everyone, so without it one client's burst fills them and the others' screens fail.
 *
 * It runs as early as its key is known cheaply: the address's, and a viewer's whose bearer token
 * was verified before, in screening (before the body is read: perimeter/index.ts), so a burst's
 * excess is refused for the price of its headers. `keyOf` answering undefined leaves the slot to
 * a later run of the stage (the viewer's, after authentication); a slot already taken for the
 * same key is not taken twice.
 */
export function inFlightStage(limit: InFlightLimit, counts: InFlightCounts, keyOf: (passage: Passage) => string | undefined, retryAfterSeconds = 1): ScreenStage {
  const { max } = counts;
  return (passage) => {
    const key = keyOf(passage);
    if (key === undefined || passage.slots?.[limit] === key) return;
    if (!counts.tryAcquire(key)) {
      throw concierge(
        'TOO_MANY_IN_FLIGHT',
        `${WHO[limit]} already has ${max} requests in flight, the most one ${limit === 'viewer' ? 'viewer' : 'address'} may have at once; retry when an earlier one has been answered.`,
        { limit, max },
        { headers: { 'retry-after': String(retryAfterSeconds) } },
      );
    }
    (passage.slots ??= {})[limit] = key;
    passage.hold(() => counts.release(key));
  };
}
