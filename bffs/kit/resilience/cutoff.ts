import { DownstreamError } from '../downstream-error.ts';
import type { DownstreamName } from '../core/services.ts';
import type { Deadline } from './deadline.ts';

/**
 * A screen that fans out in phases (lists first, then one title batch, then licences or ratings)
 * cannot let one slow list spend the whole deadline, or no later phase gets to run. Each list
 * gets until `share` of the request's time is gone; a late one is treated as timed out and only
 * its own row fails. It also settles each list, so one failure never rejects the others.
 */
export function listsCutoff(deadline: Deadline, share: number) {
  const cutoffAt = Date.now() + deadline.remainingMs() * share;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, cutoffAt - Date.now()));
    timer.unref();
  });

  return {
    settle<T>(service: DownstreamName, value: Promise<T>): Promise<PromiseSettledResult<T>> {
      return Promise.race([value, expired]).then(
        (result): PromiseSettledResult<T> =>
          result === 'late'
            ? { status: 'rejected', reason: new DownstreamError('DOWNSTREAM_TIMEOUT', `${service} did not answer in time for this screen`, { service }) }
            : { status: 'fulfilled', value: result as T },
        (reason): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
      );
    },
    done: () => clearTimeout(timer),
  };
}
